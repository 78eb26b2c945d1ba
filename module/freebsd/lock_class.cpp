#include "freebsd/lock_class.h"

namespace bsdsync::fbsd {

namespace {
/* Indexed by BSDSYNC_CLASS_*; the shared-lock classes join as they are built. */
constinit const LockClass *const lock_classes[16] = {
	nullptr,
	&lock_class_mtx_sleep,
	&lock_class_mtx_spin,
	&lock_class_sx,
	&lock_class_rw,
	&lock_class_rm,
	&lock_class_rm_sleepable,
	&lock_class_lockmgr,
	&lock_class_rms,
};
} // namespace

namespace {
/* The witness flags from lo_flags (LO_WITNESS, LO_DUPOK), and Giant's exemption. */
void describe(const void *lock, const char **name, const bsdsync_lock_site **site,
	      unsigned *witness_flags)
{
	const lock_object *lo = static_cast<const lock_object *>(lock);
	*name = lo->lo_name;
	*site = lo->lo_site;
	if (witness_flags) {
		unsigned f = load_relaxed(&lo->lo_flags);
		*witness_flags = (f & LO_WITNESS ? 0 : BSDSYNC_LW_NOWITNESS) |
				 (f & LO_DUPOK ? BSDSYNC_LW_DUPOK : 0) |
				 (lo == &fbsd_Giant.lock_object ? BSDSYNC_LW_GIANT : 0);
	}
}
constexpr unsigned kSleepLock = 0;
constexpr unsigned kSleepable = BSDSYNC_LT_SLEEPABLE | BSDSYNC_LT_MAY_SLEEP;
} // namespace

/* FreeBSD's classes as core lock types: which may be held across a sleep (LC_SLEEPABLE), which
 * spin, which have a shared mode. */
constinit const LockType lock_type_mtx_sleep = { "sleep mutex", kSleepLock | BSDSYNC_LT_RECURSABLE,
						   describe };
constinit const LockType lock_type_mtx_spin = { "spin mutex", BSDSYNC_LT_SPIN | BSDSYNC_LT_RECURSABLE,
						  describe };
constinit const LockType lock_type_sx = { "sx", kSleepable | BSDSYNC_LT_SHARED | BSDSYNC_LT_RECURSABLE,
					    describe };
constinit const LockType lock_type_rw = { "rw", BSDSYNC_LT_SHARED | BSDSYNC_LT_RECURSABLE, describe };
constinit const LockType lock_type_rm = { "rm", BSDSYNC_LT_SHARED | BSDSYNC_LT_RECURSABLE, describe };
constinit const LockType lock_type_rm_sleepable = {
	"sleepable rm",
	kSleepable | BSDSYNC_LT_READS_NOSLEEP | BSDSYNC_LT_SHARED | BSDSYNC_LT_RECURSABLE, describe
};
constinit const LockType lock_type_lockmgr = {
	"lockmgr", kSleepable | BSDSYNC_LT_SHARED | BSDSYNC_LT_RECURSABLE, describe
};
constinit const LockType lock_type_rms = { "rms", kSleepable | BSDSYNC_LT_SHARED, describe };

int lock_types_register()
{
	for (unsigned i = 1; i < sizeof(lock_classes) / sizeof(lock_classes[0]); i++)
		if (lock_classes[i] && !lock_type_register(lock_classes[i]->type)) {
			lock_types_unregister();
			return BSDSYNC_ERR_NOMEM;
		}
	return 0;
}

void lock_types_unregister()
{
	for (unsigned i = 1; i < sizeof(lock_classes) / sizeof(lock_classes[0]); i++)
		if (lock_classes[i])
			lock_type_unregister(lock_classes[i]->type);
}

unsigned lock_class_index(const lock_object *lo)
{
	return (load_relaxed(&lo->lo_flags) & LO_CLASSMASK) >> LO_CLASSSHIFT;
}

const LockClass *lock_class_of(const lock_object *lo)
{
	return lock_classes[lock_class_index(lo)];
}

void lock_init(lock_object *lo, unsigned class_index, const char *name, unsigned flags,
	       const bsdsync_lock_site *site)
{
	lo->lo_name = name;
	lo->lo_data = 0;
	lo->lo_site = site;
	store_relaxed(&lo->lo_flags, (flags & ~LO_CLASSMASK) | LO_INITIALIZED |
					     (class_index << LO_CLASSSHIFT));
}

void lock_destroy(lock_object *lo)
{
	/* The class stays, so later misuse is reported with the right kind of lock. */
	fetch_and_relaxed(&lo->lo_flags, ~(unsigned)LO_INITIALIZED);
}

} // namespace bsdsync::fbsd
