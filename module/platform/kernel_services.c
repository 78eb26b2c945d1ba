/*
 * Kernel services behind the porting surroundings of the personalities (their allocators,
 * printf and CPU number): kmalloc by flags with a failure-injection hook for tests, printk
 * with line continuation, the CPU number.
 */
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "platform/platform.h"

/* A test hook: the next N attempts fail as if kmalloc had (malloc_test.c). */
static atomic_t bsdsync_kmalloc_fail_count = ATOMIC_INIT(0);

void bsdsync_kmalloc_fail_next(int count)
{
	atomic_set(&bsdsync_kmalloc_fail_count, count);
}

static bool bsdsync_kmalloc_injected_failure(void)
{
	return atomic_add_unless(&bsdsync_kmalloc_fail_count, -1, 0);
}

void *bsdsync_kmalloc(unsigned long size, int may_sleep, int zero)
{
	gfp_t gfp = (may_sleep ? GFP_KERNEL : GFP_ATOMIC) | __GFP_NOWARN;

	if (bsdsync_kmalloc_injected_failure())
		return NULL;
	if (zero)
		gfp |= __GFP_ZERO;
	return kmalloc(size, gfp);
}

/* krealloc; the old block stays allocated on failure. */
void *bsdsync_krealloc(void *p, unsigned long size, int may_sleep)
{
	gfp_t gfp = (may_sleep ? GFP_KERNEL : GFP_ATOMIC) | __GFP_NOWARN;

	if (bsdsync_kmalloc_injected_failure())
		return NULL;
	return krealloc(p, size, gfp);
}

void bsdsync_kfree(const void *p)
{
	kfree(p);
}

void bsdsync_kfree_sensitive(const void *p)
{
	kfree_sensitive(p);
}

unsigned long bsdsync_kmalloc_max(void)
{
	return KMALLOC_MAX_SIZE;
}

/* A sleeping allocation's wait between tries: one tick, uninterruptible. */
void bsdsync_alloc_backoff(void)
{
	schedule_timeout_uninterruptible(1);
}

/* Whether the last text printed by printf(9) left its line open (no trailing newline). A
 * hint shared by all threads: pieces of lines from two threads may interleave, as on
 * a BSD kernel without its per-thread printf buffer. */
static bool bsdsync_printf_line_open;

void bsdsync_printf_text(const char *text, unsigned long len)
{
	bool open = READ_ONCE(bsdsync_printf_line_open);

	if (len == 0)
		return;
	if (open)
		printk(KERN_CONT "%s", text);
	else
		printk(KERN_INFO "%s", text);
	WRITE_ONCE(bsdsync_printf_line_open, text[len - 1] != '\n');
}

int bsdsync_cpu_id(void)
{
	return raw_smp_processor_id();
}
