/*
 * <sys/kthread.h> for ported FreeBSD drivers: kthread_add, kproc_create, kproc_kthread_add,
 * kthread_exit, kproc_exit, over Linux kernel threads (include/bsdsync/freebsd/kthread.h).
 * `pages` (stack size) and the RF* flags are accepted and ignored: RFSTOPPED threads start
 * at once. The thread's name is the formatted name, cut to Linux's 15 characters.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_KTHREAD_H_
#define _BSDSYNC_FREEBSD_SYS_KTHREAD_H_

#include <sys/types.h>
#include <bsdsync/freebsd/kthread.h>

#define kthread_add		fbsd_kthread_add
#define kproc_create		fbsd_kproc_create
#define kproc_kthread_add	fbsd_kproc_kthread_add
/* Linux's <linux/kthread.h> declares its own kthread_exit(long), and a ported driver may
 * include both headers in either order: kthread_exit is a dispatcher on the number of
 * arguments. None is FreeBSD's; one names Linux's function (a name inside its own macro
 * expansion is not expanded again). */
#define __BSDSYNC_KTHREAD_EXIT_PICK(_0, _1, name, ...) name
#define kthread_exit(...)							\
	__BSDSYNC_KTHREAD_EXIT_PICK(_0, ##__VA_ARGS__, kthread_exit, fbsd_kthread_exit)(__VA_ARGS__)
#define kproc_exit(ecode)	fbsd_kproc_exit(ecode)

#endif
