/* <sys/proc.h>: curthread (from <sys/pcpu.h>, as in FreeBSD), an opaque handle of the running
 * thread (its Linux task). */
#ifndef _BSDSYNC_FREEBSD_SYS_PROC_H_
#define _BSDSYNC_FREEBSD_SYS_PROC_H_

#include <sys/types.h>
#include <sys/pcpu.h>

#endif
