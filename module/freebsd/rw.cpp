/*
 * FreeBSD rwlock(9): reader/writer locks that behave like a mutex with a shared mode. The
 * lock itself is the shared/exclusive core (shared_lock.cpp); this file is its rw face:
 * waiters block on the turnstiles (as mutexes do), waits ignore signals, an rw lock is
 * non-sleepable (recorded while held, so that sleeping or taking an sx meanwhile is reported),
 * and a thread that holds a read lock passes waiting writers (FreeBSD td_rw_rlocks).
 */
#include "freebsd/shared_lock.h"

namespace bsdsync::fbsd {

constinit const SharedLockKind rw_kind = {
	"rw", BSDSYNC_CLASS_RW, &turnstiles, false, false, BSDSYNC_BLOCK_LOCK,
	&lock_type_rw, BSDSYNC_SL_COUNT_RW,
};

namespace {
inline SharedLock *as_sl(struct rwlock *rw) { return reinterpret_cast<SharedLock *>(rw); }
inline const SharedLock *as_sl(const struct rwlock *rw)
{
	return reinterpret_cast<const SharedLock *>(rw);
}
} // namespace

static bool rw_class_unlock(lock_object *lo, uintptr *how, const char *file, int line)
{
	return shared_lock_class_unlock(rw_kind, lo, how, file, line);
}
static void rw_class_lock(lock_object *lo, uintptr how, const char *file, int line)
{
	shared_lock_class_lock(rw_kind, lo, how, file, line);
}
static bool rw_class_owned(const lock_object *lo)
{
	return shared_lock_class_owned(rw_kind, lo);
}

constinit const LockClass lock_class_rw = {
	"rw", LC_SLEEPLOCK | LC_RECURSABLE | LC_UPGRADABLE, &lock_type_rw,
	rw_class_unlock, rw_class_lock, rw_class_owned,
};

} // namespace bsdsync::fbsd

using namespace bsdsync;
using namespace bsdsync::fbsd;

extern "C" {

void fbsd_rw_init_flags(struct rwlock *rw, const char *name, int opts,
			const struct bsdsync_lock_site *site)
{
	constexpr int known = RW_DUPOK | RW_NOPROFILE | RW_NOWITNESS | RW_QUIET | RW_RECURSE |
			      RW_NEW;
	if (opts & ~known)
		report(BSDSYNC_RULE_BAD_ARGUMENT, ReportSubject{ "rw", name, rw, site },
		       site ? site->file : nullptr, site ? site->line : 0,
		       "rw_init_flags: unknown options 0x%x ignored", opts & ~known);
	unsigned flags = LO_UPGRADABLE;
	if (opts & RW_RECURSE)
		flags |= LO_RECURSABLE;
	if (!(opts & RW_NOWITNESS))
		flags |= LO_WITNESS;
	if (opts & RW_DUPOK)
		flags |= LO_DUPOK;
	if (opts & RW_NOPROFILE)
		flags |= LO_NOPROFILE;
	if (opts & RW_QUIET)
		flags |= LO_QUIET;
	if (opts & RW_NEW)
		flags |= LO_NEW;
	shared_lock_init(rw_kind, as_sl(rw), name, flags, opts & RW_NEW, site);
}

void fbsd_rw_destroy(struct rwlock *rw, const char *file, int line)
{
	shared_lock_destroy(rw_kind, as_sl(rw), "rw_destroy", file, line);
}

void fbsd_rw_wlock(struct rwlock *rw, const char *file, int line)
{
	shared_lock_xlock(rw_kind, as_sl(rw), false, "rw_wlock", file, line);
}

void fbsd_rw_rlock(struct rwlock *rw, const char *file, int line)
{
	shared_lock_slock(rw_kind, as_sl(rw), false, "rw_rlock", file, line);
}

int fbsd_rw_try_wlock(struct rwlock *rw, const char *file, int line)
{
	return shared_lock_try_xlock(rw_kind, as_sl(rw), "rw_try_wlock", file, line);
}

int fbsd_rw_try_rlock(struct rwlock *rw, const char *file, int line)
{
	return shared_lock_try_slock(rw_kind, as_sl(rw), "rw_try_rlock", file, line);
}

void fbsd_rw_wunlock(struct rwlock *rw, const char *file, int line)
{
	shared_lock_xunlock(rw_kind, as_sl(rw), "rw_wunlock", file, line);
}

void fbsd_rw_runlock(struct rwlock *rw, const char *file, int line)
{
	shared_lock_sunlock(rw_kind, as_sl(rw), "rw_runlock", file, line);
}

void fbsd_rw_unlock(struct rwlock *rw, const char *file, int line)
{
	shared_lock_unlock(rw_kind, as_sl(rw), "rw_unlock", file, line);
}

int fbsd_rw_try_upgrade(struct rwlock *rw, const char *file, int line)
{
	return shared_lock_try_upgrade(rw_kind, as_sl(rw), "rw_try_upgrade", file, line);
}

void fbsd_rw_downgrade(struct rwlock *rw, const char *file, int line)
{
	shared_lock_downgrade(rw_kind, as_sl(rw), "rw_downgrade", file, line);
}

struct thread *fbsd_rw_wowner(const struct rwlock *rw)
{
	return shared_lock_xholder(as_sl(rw));
}

int fbsd_rw_wowned(const struct rwlock *rw)
{
	return shared_lock_xowned(as_sl(rw));
}

int fbsd_rw_recursed(const struct rwlock *rw)
{
	return shared_lock_recursed(as_sl(rw));
}

void fbsd_rw_assert(const struct rwlock *rw, int what, const char *file, int line)
{
	shared_lock_assert(rw_kind, as_sl(rw), what, "rw_assert", file, line);
}

void fbsd_rw_sysinit(const void *arg)
{
	auto *args = static_cast<const struct rw_args *>(arg);
	fbsd_rw_init_flags(static_cast<struct rwlock *>(args->ra_rw), args->ra_desc,
			   args->ra_flags, args->ra_site);
}

void fbsd_rw_sysuninit(const void *arg)
{
	fbsd_rw_destroy(static_cast<struct rwlock *>(const_cast<void *>(arg)), "RW_SYSINIT", 0);
}

} // extern "C"
