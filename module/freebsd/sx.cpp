/*
 * FreeBSD sx(9): shared/exclusive locks that may be held across sleeps. The lock itself is
 * the shared/exclusive core (shared_lock.cpp); this file is its sx face: waiters sleep on the
 * sleep queues without priority propagation, a plain wait is an idle sleep (it may last as
 * long as a holder sleeps), the _sig forms end on a signal, Giant is released while waiting,
 * taking an sx with a non-sleepable lock held is reported, and td_sx_slocks lets a thread that
 * holds a shared sx pass waiting writers.
 */
#include "freebsd/shared_lock.h"

namespace bsdsync::fbsd {

constinit const SharedLockKind sx_kind = {
	"sx", BSDSYNC_CLASS_SX, &sleep_queues, true, true, BSDSYNC_BLOCK_IDLE,
	&lock_type_sx, BSDSYNC_SL_COUNT_SX,
};

namespace {
inline SharedLock *as_sl(struct sx *sx) { return reinterpret_cast<SharedLock *>(sx); }
inline const SharedLock *as_sl(const struct sx *sx)
{
	return reinterpret_cast<const SharedLock *>(sx);
}
} // namespace

static bool sx_class_unlock(lock_object *lo, uintptr *how, const char *file, int line)
{
	return shared_lock_class_unlock(sx_kind, lo, how, file, line);
}
static void sx_class_lock(lock_object *lo, uintptr how, const char *file, int line)
{
	shared_lock_class_lock(sx_kind, lo, how, file, line);
}
static bool sx_class_owned(const lock_object *lo)
{
	return shared_lock_class_owned(sx_kind, lo);
}

constinit const LockClass lock_class_sx = {
	"sx", LC_SLEEPLOCK | LC_SLEEPABLE | LC_RECURSABLE | LC_UPGRADABLE, &lock_type_sx,
	sx_class_unlock, sx_class_lock, sx_class_owned,
};

} // namespace bsdsync::fbsd

using namespace bsdsync;
using namespace bsdsync::fbsd;

extern "C" {

void fbsd_sx_init_flags(struct sx *sx, const char *description, int opts,
			const struct bsdsync_lock_site *site)
{
	constexpr int known = SX_DUPOK | SX_NOPROFILE | SX_NOWITNESS | SX_QUIET | SX_RECURSE |
			      SX_NEW | SX_NOADAPTIVE;
	if (opts & ~known)
		report(BSDSYNC_RULE_BAD_ARGUMENT, ReportSubject{ "sx", description, sx, site },
		       site ? site->file : nullptr, site ? site->line : 0,
		       "sx_init_flags: unknown options 0x%x ignored", opts & ~known);
	unsigned flags = LO_SLEEPABLE | LO_UPGRADABLE;
	if (opts & SX_RECURSE)
		flags |= LO_RECURSABLE;
	if (!(opts & SX_NOWITNESS))
		flags |= LO_WITNESS;
	if (opts & SX_DUPOK)
		flags |= LO_DUPOK;
	if (opts & SX_NOPROFILE)
		flags |= LO_NOPROFILE;
	if (opts & SX_QUIET)
		flags |= LO_QUIET;
	if (opts & SX_NEW)
		flags |= LO_NEW;
	if (opts & SX_NOADAPTIVE)
		flags |= lock_word::kNoAdaptive;
	shared_lock_init(sx_kind, as_sl(sx), description, flags, opts & SX_NEW, site);
}

void fbsd_sx_destroy(struct sx *sx, const char *file, int line)
{
	shared_lock_destroy(sx_kind, as_sl(sx), "sx_destroy", file, line);
}

int fbsd_sx_xlock(struct sx *sx, int interruptible, const char *file, int line)
{
	return shared_lock_xlock(sx_kind, as_sl(sx), interruptible,
				 interruptible ? "sx_xlock_sig" : "sx_xlock", file, line);
}

int fbsd_sx_slock(struct sx *sx, int interruptible, const char *file, int line)
{
	return shared_lock_slock(sx_kind, as_sl(sx), interruptible,
				 interruptible ? "sx_slock_sig" : "sx_slock", file, line);
}

void fbsd_sx_xlock_nosig(struct sx *sx, const char *file, int line)
{
	shared_lock_xlock(sx_kind, as_sl(sx), false, "sx_xlock", file, line);
}

void fbsd_sx_slock_nosig(struct sx *sx, const char *file, int line)
{
	shared_lock_slock(sx_kind, as_sl(sx), false, "sx_slock", file, line);
}

int fbsd_sx_try_xlock(struct sx *sx, const char *file, int line)
{
	return shared_lock_try_xlock(sx_kind, as_sl(sx), "sx_try_xlock", file, line);
}

int fbsd_sx_try_slock(struct sx *sx, const char *file, int line)
{
	return shared_lock_try_slock(sx_kind, as_sl(sx), "sx_try_slock", file, line);
}

void fbsd_sx_xunlock(struct sx *sx, const char *file, int line)
{
	shared_lock_xunlock(sx_kind, as_sl(sx), "sx_xunlock", file, line);
}

void fbsd_sx_sunlock(struct sx *sx, const char *file, int line)
{
	shared_lock_sunlock(sx_kind, as_sl(sx), "sx_sunlock", file, line);
}

void fbsd_sx_unlock(struct sx *sx, const char *file, int line)
{
	shared_lock_unlock(sx_kind, as_sl(sx), "sx_unlock", file, line);
}

int fbsd_sx_try_upgrade(struct sx *sx, const char *file, int line)
{
	return shared_lock_try_upgrade(sx_kind, as_sl(sx), "sx_try_upgrade", file, line);
}

void fbsd_sx_downgrade(struct sx *sx, const char *file, int line)
{
	shared_lock_downgrade(sx_kind, as_sl(sx), "sx_downgrade", file, line);
}

struct thread *fbsd_sx_xholder(const struct sx *sx)
{
	return shared_lock_xholder(as_sl(sx));
}

int fbsd_sx_xlocked(const struct sx *sx)
{
	return shared_lock_xowned(as_sl(sx));
}

int fbsd_sx_recursed(const struct sx *sx)
{
	return shared_lock_recursed(as_sl(sx));
}

void fbsd_sx_assert(const struct sx *sx, int what, const char *file, int line)
{
	shared_lock_assert(sx_kind, as_sl(sx), what, "sx_assert", file, line);
}

void fbsd_sx_sysinit(const void *arg)
{
	auto *args = static_cast<const struct sx_args *>(arg);
	fbsd_sx_init_flags(args->sa_sx, args->sa_desc, args->sa_flags, args->sa_site);
}

void fbsd_sx_sysuninit(const void *arg)
{
	fbsd_sx_destroy(static_cast<struct sx *>(const_cast<void *>(arg)), "SX_SYSINIT", 0);
}

} // extern "C"
