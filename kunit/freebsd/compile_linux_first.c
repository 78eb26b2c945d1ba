/*
 * Compile test, the clash case: a ported driver that includes Linux headers FIRST and then
 * the FreeBSD ones, using names both define (LIST_HEAD, msleep, sema_init, MIN/MAX,
 * roundup, __CONCAT, panic's declaration, bool/true/false, INT_MAX, ...) in both meanings.
 * Its KUnit case also runs the FreeBSD-order file (compile_freebsd_order.c).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/stddef.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/delay.h>
#include <linux/semaphore.h>
#include <linux/sched.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/sysctl.h>
#include <linux/bitops.h>
#include <linux/minmax.h>
#include <linux/math.h>
#include <kunit/test.h>

#include <sys/cdefs.h>
#include <sys/types.h>
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/limits.h>
#include <sys/queue.h>
#include <sys/bitstring.h>
#include <sys/malloc.h>
#include <sys/ktr.h>
#include <sys/sysctl.h>
#include <sys/pcpu.h>
#include <sys/proc.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/rwlock.h>
#include <sys/sx.h>
#include <sys/condvar.h>
#include <sys/sema.h>
#include <sys/kernel.h>

int bt_freebsd_order_driver(void);

struct lf_elem {
	int v;
	LIST_ENTRY(lf_elem) link;
};
LIST_HEAD(lf_list, lf_elem);

static void linux_and_freebsd_names_side_by_side(struct kunit *test)
{
	LIST_HEAD(linux_list);				/* Linux: a list_head variable */
	struct lf_list bsd_list = LIST_HEAD_INITIALIZER(bsd_list);	/* FreeBSD: a head */
	struct lf_elem e = { .v = 1 };
	struct semaphore lsem;
	struct sema bsem;
	void *lp, *bp;
	bool flag = true;

	LIST_INSERT_HEAD(&bsd_list, &e, link);
	KUNIT_EXPECT_PTR_EQ(test, LIST_FIRST(&bsd_list), &e);
	KUNIT_EXPECT_TRUE(test, list_empty(&linux_list));

	sema_init(&lsem, 1);				/* Linux's, two arguments */
	down(&lsem);
	up(&lsem);
	sema_init(&bsem, 1, "bt bsd sema");		/* FreeBSD's, three */
	sema_wait(&bsem);
	sema_post(&bsem);
	sema_destroy(&bsem);

	msleep(1);					/* Linux's msleep(ms) */
	lp = kmalloc(16, GFP_KERNEL);			/* Linux allocation next to malloc(9) */
	bp = malloc(16, M_DEVBUF, M_WAITOK | M_ZERO);
	KUNIT_EXPECT_NOT_NULL(test, lp);
	KUNIT_EXPECT_NOT_NULL(test, bp);
	kfree(lp);
	free(bp, M_DEVBUF);

	KUNIT_EXPECT_EQ(test, MIN(3, 4), 3);
	KUNIT_EXPECT_EQ(test, max(3, 4), 4);
	KUNIT_EXPECT_EQ(test, roundup(5, 4), 8);
	KUNIT_EXPECT_EQ(test, INT_MAX, 0x7fffffff);
	KUNIT_EXPECT_TRUE(test, flag);
	KUNIT_EXPECT_PTR_EQ(test, (void *)curthread, (void *)current);
}

static void freebsd_order_file_runs(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, bt_freebsd_order_driver(), 321);
}

static struct kunit_case headers_cases[] = {
	KUNIT_CASE(linux_and_freebsd_names_side_by_side),
	KUNIT_CASE(freebsd_order_file_runs),
	{}
};

static struct kunit_suite headers_suite = {
	.name = "freebsd_headers",
	.test_cases = headers_cases,
};

kunit_test_suites(&headers_suite);
