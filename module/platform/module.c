// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * bsdsync module load and unload: the kernel services and the thread records first, then
 * the lockdep sink (lockdep.c, if the `lockdep` parameter and the kernel say so), then
 * each personality of bsdsync_personalities[] (module/personalities.c) in order, then the
 * SYSINIT notifier, then the lock-order checker (if the `witness` parameter says so), lock
 * profiling (if `lock_prof` says so) and their debugfs files; unload undoes it in reverse. The exported C ABI is listed in module/exports/,
 * one file per personality (and bsdsync.c for the neutral part).
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

#include "platform.h"

/* The lock-order checker (module/core/witness.h) from load on. Off by default: the KUnit
 * suite turns it on for its own cases. */
static bool witness;
module_param(witness, bool, 0444);
MODULE_PARM_DESC(witness, "check the order in which every bsdsync lock is taken (lock-order reversals)");

int bsdsync_param_witness(void)
{
	return witness;
}

/* Stacks with witness's orders and reversals (one saved stack per new order: cheap). */
static bool witness_stacks = true;
module_param(witness_stacks, bool, 0444);
MODULE_PARM_DESC(witness_stacks, "keep the stack of each lock order witness records and of each reversal (default on)");

/* What a witness violation does: "report" (default: report and go on) or "panic" (test
 * kernels that must stop at the first one). */
static char witness_action[8] = "report";
module_param_string(witness_action, witness_action, sizeof(witness_action), 0444);
MODULE_PARM_DESC(witness_action, "what a witness violation does: report (default) or panic");

int bsdsync_param_witness_stacks(void)
{
	return witness_stacks;
}

int bsdsync_param_witness_panic(void)
{
	if (sysfs_streq(witness_action, "panic"))
		return 1;
	if (!sysfs_streq(witness_action, "report"))
		pr_warn("bsdsync: witness_action=%s: neither report nor panic; reporting\n",
			witness_action);
	return 0;
}

/* Lock profiling (module/core/lock_profile.h) from load on. Off by default: debugfs
 * bsdsync/lock_prof/enable turns it on and off at run time. */
static bool lock_prof;
module_param(lock_prof, bool, 0444);
MODULE_PARM_DESC(lock_prof, "profile every bsdsync lock from load on (debugfs bsdsync/lock_prof/stats)");

int bsdsync_param_lock_prof(void)
{
	return lock_prof;
}

/* How long a thread may spin for a spin lock before it reports the holder (the BSD kernels
 * panic after about 60M spins, "spin lock held too long"; under emulation a second is
 * nothing, so 10 s). Writable at run time (sysfs). */
static unsigned int spin_warn_ms = 10000;
module_param(spin_warn_ms, uint, 0644);
MODULE_PARM_DESC(spin_warn_ms, "report a spin lock waited for longer than this many ms (default 10000; 0: never)");

unsigned long long bsdsync_param_spin_warn_ns(void)
{
	unsigned int ms = READ_ONCE(spin_warn_ms);

	return ms ? (u64)ms * NSEC_PER_MSEC : U64_MAX;
}

#if IS_ENABLED(CONFIG_KUNIT)
/* KUnit only: set spin_warn_ms, returning the old value. */
unsigned int bsdsync_test_spin_warn_ms(unsigned int ms)
{
	return xchg(&spin_warn_ms, ms);
}
#endif

static_assert(BSDSYNC_ERR_NOMEM == -ENOMEM, "platform.h: BSDSYNC_ERR_NOMEM");

/* Undo the inits of the first n personalities, newest first. */
static void personalities_exit(int n)
{
	while (n-- > 0)
		bsdsync_personalities[n]->exit();
}

/* "<name> personality: <provides>" for each personality, "; " between them. */
static void personalities_describe(char *buf, size_t size)
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; bsdsync_personalities[i] && len < size; i++)
		len += scnprintf(buf + len, size - len, "%s%s personality: %s", i ? "; " : "",
				 bsdsync_personalities[i]->name, bsdsync_personalities[i]->provides);
}

static int __init bsdsync_init(void)
{
	char what[256];
	int error, i;

	error = bsdsync_fast_start();
	if (error)
		return error;
	error = bsdsync_td_start();
	if (error)
		return error;
	/* Before the personalities: every lock they or a driver take is lockdep's. */
	bsdsync_lockdep_start();
	for (i = 0; bsdsync_personalities[i]; i++) {
		error = bsdsync_personalities[i]->init();
		if (error) {
			pr_err("bsdsync: %s personality failed to start (%d)\n",
			       bsdsync_personalities[i]->name, error);
			personalities_exit(i);
			bsdsync_lockdep_stop();
			bsdsync_td_stop();
			return error;
		}
	}
	error = bsdsync_sysinit_start();
	if (error) {
		personalities_exit(i);
		bsdsync_lockdep_stop();
		bsdsync_td_stop();
		return error;
	}
	/* After the personalities: their lock types and hooks are set. */
	bsdsync_witness_start();
	bsdsync_lock_prof_start();
	bsdsync_debugfs_start();
	personalities_describe(what, sizeof(what));
	pr_info("bsdsync: loaded (%s)%s%s%s\n", what,
		bsdsync_irq_inline ? "" : "; spin mutexes call the kernel's interrupt/preempt ops",
		witness ? "; witness on" : "", lock_prof ? "; lock profiling on" : "");
	return 0;
}

static void __exit bsdsync_exit(void)
{
	int n;

	bsdsync_sysinit_stop();
	bsdsync_debugfs_stop();
	bsdsync_lock_prof_stop();
	bsdsync_witness_stop();
	for (n = 0; bsdsync_personalities[n]; n++)
		;
	personalities_exit(n);
	bsdsync_lockdep_stop();
	bsdsync_prio_flush();
	bsdsync_td_stop();
	pr_info("bsdsync: unloaded\n");
}

module_init(bsdsync_init);
module_exit(bsdsync_exit);

MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("BSD kernel synchronization primitives for ported drivers");
