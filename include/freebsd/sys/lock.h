/* <sys/lock.h>: lock object flags, generic assertion flags. */
#ifndef _BSDSYNC_FREEBSD_SYS_LOCK_H_
#define _BSDSYNC_FREEBSD_SYS_LOCK_H_

#include <sys/types.h>
#include <sys/_lock.h>

#define lock_initialized(lo)	(((lo)->lo_flags & LO_INITIALIZED) != 0)
#define LOCK_CLASS_INDEX(lo)	(((lo)->lo_flags & LO_CLASSMASK) >> LO_CLASSSHIFT)

#endif
