/*
 * bsdsync C ABI: FreeBSD kthread(9) and kproc(9) over Linux kernel threads.
 *
 * Every FreeBSD kernel thread or process becomes one Linux kernel thread (a struct thread
 * and a struct proc are both the Linux task, as curthread is). The thread runs func(arg)
 * and ends when func returns or calls kthread_exit()/kproc_exit(). Nothing joins it: as in
 * FreeBSD, a driver that unloads first waits, by its own protocol, for its thread to say it
 * is leaving (a flag and a wakeup right before kthread_exit()).
 */
#ifndef _BSDSYNC_FREEBSD_KTHREAD_H_
#define _BSDSYNC_FREEBSD_KTHREAD_H_

#include <bsdsync/types.h>

BSDSYNC_FREEBSD_ABI_BEGIN

struct proc;

/* Return 0, or an errno (ENOMEM, EAGAIN, ...) and no thread was made. */
int fbsd_kthread_add(void (*func)(void *), void *arg, struct proc *p, struct thread **newtdp,
		     int flags, int pages, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
int fbsd_kproc_create(void (*func)(void *), void *arg, struct proc **newpp, int flags,
		      int pages, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int fbsd_kproc_kthread_add(void (*func)(void *), void *arg, struct proc **procptr,
			   struct thread **tdptr, int flags, int pages, const char *procname,
			   const char *fmt, ...) __attribute__((format(printf, 8, 9)));
/* Only in a thread made by the functions above (any Linux kernel thread works; elsewhere
 * it is reported and the caller sleeps forever instead). They never return, but are not
 * declared noreturn: objtool, which checks every module's control flow, knows only the
 * kernel's own noreturn functions, and would call the end of a driver's thread function
 * a fall-through into the next one. */
void fbsd_kthread_exit(void);
void fbsd_kproc_exit(int ecode);

BSDSYNC_FREEBSD_ABI_END

#endif
