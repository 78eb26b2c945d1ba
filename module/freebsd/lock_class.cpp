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
