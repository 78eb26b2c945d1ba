/* <sys/_sx.h>: struct sx (one definition, in include/bsdsync/freebsd/sx.h). */
#ifndef _BSDSYNC_FREEBSD_SYS__SX_H_
#define _BSDSYNC_FREEBSD_SYS__SX_H_

#include <sys/_lock.h>
#include <bsdsync/freebsd/sx.h>

#endif
