/* <sys/_task.h>: struct task and task_fn_t (the layout is bsdsync's C ABI). */
#ifndef _BSDSYNC_FREEBSD_SYS__TASK_H_
#define _BSDSYNC_FREEBSD_SYS__TASK_H_

#include <bsdsync/freebsd/taskqueue.h>

#define TASK_NETWORK	0x1	/* ta_flags: run in the net epoch (no meaning here) */
#define TASK_IS_NET(ta)	((ta)->ta_flags & TASK_NETWORK)

#endif
