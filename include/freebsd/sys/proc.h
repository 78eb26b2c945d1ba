/* <sys/proc.h>: curthread, an opaque handle of the running thread (its Linux task). */
#ifndef _BSDSYNC_FREEBSD_SYS_PROC_H_
#define _BSDSYNC_FREEBSD_SYS_PROC_H_

#include <sys/types.h>

BSDSYNC_BEGIN_DECLS
struct thread *bsdsync_curthread(void);
BSDSYNC_END_DECLS

#define curthread	bsdsync_curthread()

#endif
