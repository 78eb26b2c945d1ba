/* <sys/_rmlock.h>: struct rmlock, struct rm_priotracker, struct rmslock (one definition,
 * in include/bsdsync/freebsd/rmlock.h). */
#ifndef _BSDSYNC_FREEBSD_SYS__RMLOCK_H_
#define _BSDSYNC_FREEBSD_SYS__RMLOCK_H_

#include <sys/_lock.h>
#include <bsdsync/freebsd/rmlock.h>

#endif
