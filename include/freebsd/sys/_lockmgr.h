/* <sys/_lockmgr.h>: struct lock (one definition, in include/bsdsync/freebsd/lockmgr.h). */
#ifndef _BSDSYNC_FREEBSD_SYS__LOCKMGR_H_
#define _BSDSYNC_FREEBSD_SYS__LOCKMGR_H_

#include <sys/_lock.h>
#include <bsdsync/freebsd/lockmgr.h>

#endif
