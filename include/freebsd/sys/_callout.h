/* <sys/_callout.h>: struct callout and callout_func_t (the layout is bsdsync's C ABI). */
#ifndef _BSDSYNC_FREEBSD_SYS__CALLOUT_H_
#define _BSDSYNC_FREEBSD_SYS__CALLOUT_H_

#include <bsdsync/freebsd/callout.h>

#endif
