// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * bsdsync's per-thread records (module/platform/thread.c: the held-lock state FreeBSD keeps
 * in struct thread) over a thread's whole life, its exit path included. Drivers still run in
 * a process after it has passed the sched_process_exit tracepoint: exit_files() drops its
 * descriptors, and the final fput of a file runs the driver's release() from
 * exit_task_work(), where it may take its softc mutex. That code must find the task's own
 * record, and the record must be released once the task is gone, so that no task allocated
 * later at the same address inherits it.
 */
#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/umh.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/proc.h>

#include "harness_freebsd.h"

/* ---- a file whose release() takes the driver's softc mutex, closed by process exit ------ */

struct exit_close {
	struct mtx softc;		/* the driver's softc mutex */
	struct task_struct *task;	/* the process (referenced: its address stays its own) */
	int opened;
	int record_before_exit;		/* it had a record before exiting (its open() locked) */
	int released;
	int released_in_task;		/* release() ran in the process itself, ... */
	int released_exiting;		/* ... in its exit path (PF_EXITING) */
	int record_in_release;		/* the process had a record while release() held softc */
};

static int exit_close_release(struct inode *inode, struct file *f)
{
	struct exit_close *e = f->private_data;

	mtx_lock(&e->softc);
	e->released_in_task = current == e->task;
	e->released_exiting = !!(current->flags & PF_EXITING);
	e->record_in_release = bsdsync_thread_has_record((struct thread *)current);
	mtx_unlock(&e->softc);
	WRITE_ONCE(e->released, 1);
	return 0;
}

static const struct file_operations exit_close_fops = {
	.owner = THIS_MODULE,
	.release = exit_close_release,
};

/*
 * Runs in the new user-mode helper process (not a kthread: its final fput is a task work
 * of its own, not a kworker's delayed fput), before it would exec. It opens the file, then
 * fails, so the helper calls do_exit() with the file still open: exit_files() drops the
 * last reference and exit_task_work() runs exit_close_release() in the exiting process.
 */
static int exit_close_setup(struct subprocess_info *info, struct cred *new)
{
	struct exit_close *e = info->data;
	struct file *f;
	int fd;

	e->task = get_task_struct(current);
	/* The driver's open() locked: the process has a record before it exits. */
	mtx_lock(&e->softc);
	e->record_before_exit = bsdsync_thread_has_record((struct thread *)current);
	mtx_unlock(&e->softc);
	fd = get_unused_fd_flags(0);
	if (fd < 0)
		return fd;
	f = anon_inode_getfile("bsdsync-exit-close", &exit_close_fops, e, O_RDWR);
	if (IS_ERR(f)) {
		put_unused_fd(fd);
		return PTR_ERR(f);
	}
	fd_install(fd, f);
	e->opened = 1;
	return -ECANCELED;	/* never exec'd: exit with the file open */
}

static void file_released_in_process_exit_locks_and_frees_its_thread_record(struct kunit *test)
{
	/* Never executed (the setup above fails first); must only be a non-empty path. */
	static char *argv[] = { "/bsdsync-kunit-exit-close", NULL };
	static char *envp[] = { NULL };
	struct exit_close *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	struct subprocess_info *info;

	KUNIT_ASSERT_NOT_NULL(test, e);
	mtx_init(&e->softc, "exit_close softc", NULL, MTX_DEF);
	info = call_usermodehelper_setup(argv[0], argv, envp, GFP_KERNEL, exit_close_setup, NULL,
					 e);
	KUNIT_ASSERT_NOT_NULL(test, info);
	/* UMH_WAIT_PROC: returns once the process has been reaped, so its whole exit path,
	 * release() included, is over. */
	BT_EXPECT_NO_REPORT(test, call_usermodehelper_exec(info, UMH_WAIT_PROC));

	if (!e->opened) {
		KUNIT_FAIL(test, "the helper process did not run or could not open the file");
		if (e->task)
			put_task_struct(e->task);
		mtx_destroy(&e->softc);
		return;
	}
	KUNIT_EXPECT_TRUE(test, e->record_before_exit);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(e->released));
	KUNIT_EXPECT_TRUE_MSG(test, e->released_in_task,
			      "release() did not run in the exiting process");
	KUNIT_EXPECT_TRUE_MSG(test, e->released_exiting,
			      "release() did not run in the process's exit path");
	KUNIT_EXPECT_TRUE(test, e->record_in_release);
	/*
	 * The task struct is freed (sched_process_free, an RCU callback) once the process has
	 * been reaped and has switched away for the last time: its record must be released
	 * then. A record still bound to the dead task's address would be inherited by the next
	 * task allocated there (our reference keeps the address from being reused meanwhile,
	 * so a record found here is the dead task's).
	 */
	BT_WAIT_UNTIL(test, !bsdsync_thread_has_record((struct thread *)e->task));
	put_task_struct(e->task);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&e->softc));
	mtx_destroy(&e->softc);
}

static struct kunit_case thread_record_cases[] = {
	KUNIT_CASE(file_released_in_process_exit_locks_and_frees_its_thread_record),
	{}
};

static struct kunit_suite thread_record_suite = {
	.name = "bsdsync_thread_records",
	.test_cases = thread_record_cases,
};
kunit_test_suites(&thread_record_suite);
