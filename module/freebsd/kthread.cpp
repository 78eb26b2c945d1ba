/*
 * FreeBSD kthread(9)/kproc(9): a Linux kernel thread per FreeBSD thread or process (the
 * platform starts it: module/platform/kthread.c). FreeBSD's proc/thread distinction has no
 * meaning here: kproc_kthread_add makes one thread, named by fmt (Linux shows one name per
 * thread), and hands it back as both the process and the thread.
 */
#include <bsdsync/freebsd/kthread.h>
#include <bsdsync/freebsd/sleep.h>
#include "core/diag.h"

using namespace bsdsync;
using namespace bsdsync::fbsd;

namespace {

/*
 * A thread about to exit wakes whoever sleeps on its thread pointer (FreeBSD's kthread_exit
 * wakeup(td) and kproc_exit wakeup(p); here the two are one pointer): the unload protocol of
 * FreeBSD modules, `msleep(td, &m, 0, "exit", 0)` after telling the thread to stop. The
 * thread runs no driver code after this: it was called from kthread_exit/kproc_exit, or
 * after the driver's function returned.
 */
void announce_exit()
{
	fbsd_wakeup(curthread());
}

int spawn(void (*func)(void *), void *arg, struct thread **tdp, const char *fmt,
	  __builtin_va_list ap)
{
	char name[32];
	bsdsync_vsnprintf(name, sizeof(name), fmt, ap);
	struct thread *td = nullptr;
	int error = bsdsync_kthread_spawn(func, arg, announce_exit, name, 0, &td);
	if (!error && tdp)
		*tdp = td;
	return error;
}

void exit_thread(const char *what)
{
	if (bsdsync_current_is_kthread()) {
		announce_exit();
		bsdsync_kthread_exit();		/* does not return */
	}
	else
		report(BSDSYNC_RULE_BAD_ARGUMENT,
		       ReportSubject{ "thread", what, curthread(), nullptr }, nullptr, 0,
		       "%s outside a kernel thread: the caller sleeps forever", what);
	int never = 0;
	for (;;)
		bsdsync_block(&never, BSDSYNC_BLOCK_IDLE, 0, 0);
}

} // namespace

extern "C" {

int fbsd_kthread_add(void (*func)(void *), void *arg, struct proc *p, struct thread **newtdp,
		     int flags, int pages, const char *fmt, ...)
{
	(void)p;
	(void)flags;
	(void)pages;
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	int error = spawn(func, arg, newtdp, fmt, ap);
	__builtin_va_end(ap);
	return error;
}

int fbsd_kproc_create(void (*func)(void *), void *arg, struct proc **newpp, int flags,
		      int pages, const char *fmt, ...)
{
	(void)flags;
	(void)pages;
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	struct thread *td = nullptr;
	int error = spawn(func, arg, &td, fmt, ap);
	__builtin_va_end(ap);
	if (!error && newpp)
		*newpp = reinterpret_cast<struct proc *>(td);
	return error;
}

int fbsd_kproc_kthread_add(void (*func)(void *), void *arg, struct proc **procptr,
			   struct thread **tdptr, int flags, int pages, const char *procname,
			   const char *fmt, ...)
{
	(void)flags;
	(void)pages;
	(void)procname;
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	struct thread *td = nullptr;
	int error = spawn(func, arg, &td, fmt, ap);
	__builtin_va_end(ap);
	if (!error) {
		if (tdptr)
			*tdptr = td;
		/* FreeBSD makes the process on first use; here each thread is its own. */
		if (procptr && !*procptr)
			*procptr = reinterpret_cast<struct proc *>(td);
	}
	return error;
}

void fbsd_kthread_exit(void)
{
	exit_thread("kthread_exit");
}

void fbsd_kproc_exit(int ecode)
{
	(void)ecode;
	exit_thread("kproc_exit");
}

} // extern "C"
