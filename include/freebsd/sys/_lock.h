/* <sys/_lock.h>: struct lock_object (one definition, in include/bsdsync/freebsd/lock.h). */
#ifndef _BSDSYNC_FREEBSD_SYS__LOCK_H_
#define _BSDSYNC_FREEBSD_SYS__LOCK_H_

#include <bsdsync/freebsd/lock.h>

/* Modules always pass the caller's file and line (FreeBSD: LOCK_DEBUG for modules). */
#define LOCK_FILE	__FILE__
#define LOCK_LINE	__LINE__

#endif
