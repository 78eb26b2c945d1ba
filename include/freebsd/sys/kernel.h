/* <sys/kernel.h>: hz and tick_sbt. (SYSINIT linker sets: not yet, see README.) */
#ifndef _BSDSYNC_FREEBSD_SYS_KERNEL_H_
#define _BSDSYNC_FREEBSD_SYS_KERNEL_H_

#include <sys/param.h>
#include <sys/time.h>

#endif
