/*
 * <sys/pcpu.h> for ported FreeBSD drivers: curthread, curcpu and PCPU_GET(cpuid).
 *
 * As in FreeBSD, <sys/mutex.h>, <sys/rwlock.h> and <sys/proc.h> include this header, so code
 * that takes locks sees curthread without naming <sys/proc.h>. curthread is an opaque handle
 * of the running thread (its Linux task, never dereferenced by a driver). curcpu is the
 * current CPU's number, stable only while the caller cannot migrate (a spin mutex or a
 * critical section held), as in FreeBSD. Only the cpuid field of PCPU_GET is provided.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_PCPU_H_
#define _BSDSYNC_FREEBSD_SYS_PCPU_H_

#include <sys/types.h>

BSDSYNC_BEGIN_DECLS
struct thread *bsdsync_curthread(void);
int fbsd_curcpu(void);
BSDSYNC_END_DECLS

#define curthread		bsdsync_curthread()
#define curcpu			fbsd_curcpu()
#define __bsd_pcpu_get_cpuid()	fbsd_curcpu()
#define __bsd_pcpu_get_curthread() bsdsync_curthread()
#define PCPU_GET(member)	__bsd_pcpu_get_##member()

#endif
