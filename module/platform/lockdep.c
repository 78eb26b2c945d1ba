// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Linux lockdep for bsdsync locks: a lock-event sink (include/bsdsync/lock_events.h) that
 * tells lockdep what every bsdsync lock does, so lockdep sees bsdsync locks nested with the
 * kernel's own and reports a real cycle through both. Attached at load (the `lockdep` module
 * parameter, on by default) on kernels with CONFIG_LOCKDEP; nothing at all elsewhere.
 *
 * Classes: one lockdep class per (lock type, name given at init), as witness keys its classes
 * (core/witness.h): the struct of a bsdsync lock keeps its ABI size, so the lockdep map is not
 * in the lock but in a side table here, one map (and one static key) per class. The map is the
 * `instance` lockdep records in a thread's held locks; its name is "<name>" as given at init
 * (copied: the lock's string may belong to a module that unloads).
 *
 * What each event becomes (lockdep's own vocabulary: read 0 exclusive, 1 shared; trylock):
 *   ACQUIRING  (a blocking acquisition, before its first attempt) the order check alone, as
 *              might_lock() does it (acquire and release at once): a cycle is reported before
 *              the threads deadlock on it. Not for spin types (BSDSYNC_LT_SPIN): their
 *              interrupts go off after this event, and lockdep would record the class as
 *              taken with interrupts on.
 *   ACQUIRED   lock_acquire(), trylock for BSDSYNC_LE_TRY, read for BSDSYNC_LE_SHARED.
 *              At both: an interlock the acquisition releases (a lockmgr LK_INTERLOCK, marked
 *              in the thread's held-locks stack) is released in lockdep's view first: it
 *              orders nothing, as witness skips it. The `ip` lockdep keeps and prints ("at:")
 *              is the driver's call (ld_caller_ip).
 *   RELEASED   lock_release(), if the calling thread holds a lock of that class in lockdep's
 *              view (a disowned lockmgr hold is released by another thread; a hold taken
 *              before the sink was attached was never given to lockdep): no "bad unlock
 *              balance" for what bsdsync allows.
 *   CONTENDED  nothing (lockdep's contention statistics are LOCK_STAT's, off in our kernels).
 * A lock every sleep drops and takes back (BSDSYNC_LW_DROPPED_AT_SLEEP) is given as a try-lock,
 * never checked at ACQUIRING: lockdep records what is taken under it but no order into it. A
 * thread gives it up around every sleep and takes it back under the sleepable locks it then
 * holds, which witness exempts and which would otherwise be a cycle for lockdep.
 * Recursions (BSDSYNC_LE_RECURSE) are not given: one hold per lock, as lockdep counts them.
 * Several locks of one class held at once (witness's DUPOK, or simply two locks of one name:
 * witness reports those itself) are given as subclasses 0, 1, ... in the order taken (how many
 * of the class the thread holds already), so lockdep sees no recursive locking; beyond
 * MAX_LOCKDEP_SUBCLASSES such holds are not given.
 *
 * Not given to lockdep at all:
 *  - NOWITNESS locks (BSDSYNC_LW_NOWITNESS): unchecked by either checker. Tokens are all
 *    NOWITNESS (their type's describe says so): a holder that blocks gives them up and takes
 *    them back before it runs, so they cannot deadlock by design, and they must not look
 *    held across a block;
 *  - holds of a non-spin type in interrupt context (bsdsync reports that misuse itself; given
 *    to lockdep, the misuse's class would be "used in interrupt" for the rest of the boot);
 *  - new holds while a test says so (bsdsync_test_lockdep_quiet: the KUnit cases that make
 *    lock-order reversals on purpose for witness, which lockdep would report too);
 *  - holds a thread still has when it exits: bsdsync reports them (BSDSYNC_RULE_EXIT_HELD) and
 *    lockdep forgets them then (bsdsync_lockdep_exiting), so lockdep's exit check is silent;
 *  - bsdsync's internals: its spin bits, wait-queue guards and per-CPU records make no lock
 *    events, and the sink itself uses an arch spinlock lockdep does not track.
 * Interrupt state: on a lockdep kernel bsdsync's spin sections go through the kernel's traced
 * local_irq_save/preempt ops (platform.c irq_inline_ok), so lockdep's interrupt-state tracking
 * sees a spin mutex held with interrupts off and a preempt-off spinlock with them on.
 *
 * Locking key: the table is appended under `table_lock` (an arch spinlock with interrupts off,
 * any context); a slot's class index is published with a release store after the class is
 * filled in, and read with an acquire load (pairs with it) by the lock-free look-up. Classes
 * are never removed while the module is loaded; the keys are static module data, so lockdep
 * forgets them when the module unloads (the module loader's lockdep_free_key_range).
 */
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/stacktrace.h>
#include <linux/string.h>

#include <bsdsync/lock_events.h>
#include <bsdsync/testing.h>
#include "platform.h"

/* The `lockdep` parameter: give every bsdsync lock to lockdep (kernels with CONFIG_LOCKDEP). */
static bool param_lockdep = true;
module_param_named(lockdep, param_lockdep, bool, 0444);
MODULE_PARM_DESC(lockdep, "give every bsdsync lock to Linux lockdep (kernels with CONFIG_LOCKDEP; default on)");

#ifdef CONFIG_LOCKDEP

#define LD_CLASSES	1024
#define LD_SLOTS	(2 * LD_CLASSES)
#define LD_NAME		32

struct ld_class {
	struct lock_class_key key;
	struct lockdep_map map;
	const struct bsdsync_lock_type *type;	/* compared, never read through */
	char name[LD_NAME];
};

static struct ld_class ld_classes[LD_CLASSES];
static int ld_nclasses;
static unsigned short ld_slots[LD_SLOTS];	/* class index + 1; 0: free */
static arch_spinlock_t table_lock = __ARCH_SPIN_LOCK_UNLOCKED;
static bool ld_full_said, ld_attached;
/* Tests that misuse locks on purpose (witness's reversals): no new hold is given to lockdep
 * while set, releases still are (a hold given before stays balanced). Relaxed: read by the
 * sink in any context, written by the KUnit entry between cases. */
static int ld_quiet;

static unsigned int ld_hash(const struct bsdsync_lock_type *type, const char *name)
{
	unsigned int h = 2166136261u ^ (unsigned int)((unsigned long)type >> 4);
	int i;

	for (i = 0; i < LD_NAME - 1 && name[i]; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return h;
}

static bool ld_name_is(const char *stored, const char *name)
{
	return strncmp(stored, name, LD_NAME - 1) == 0;
}

/* The class of (type, name): found, or (create) made; NULL if absent or the table is full. */
static struct ld_class *ld_class_of(const struct bsdsync_lock_type *type, const char *name,
				    bool create)
{
	unsigned int slot = ld_hash(type, name) % LD_SLOTS, probe;
	struct ld_class *c = NULL;
	unsigned long flags;

	for (probe = 0; probe < LD_SLOTS; probe++, slot = (slot + 1) % LD_SLOTS) {
		/* Acquire: pairs with the release below (the class is filled in). */
		int i = smp_load_acquire(&ld_slots[slot]);

		if (!i)
			break;
		if (ld_classes[i - 1].type == type && ld_name_is(ld_classes[i - 1].name, name))
			return &ld_classes[i - 1];
	}
	if (!create)
		return NULL;
	local_irq_save(flags);
	arch_spin_lock(&table_lock);
	/* Again under the lock: another CPU may have added it, or taken the free slot. */
	slot = ld_hash(type, name) % LD_SLOTS;
	for (probe = 0; probe < LD_SLOTS; probe++, slot = (slot + 1) % LD_SLOTS) {
		int i = ld_slots[slot];

		if (!i)
			break;
		if (ld_classes[i - 1].type == type && ld_name_is(ld_classes[i - 1].name, name)) {
			c = &ld_classes[i - 1];
			goto out;
		}
	}
	if (ld_nclasses == LD_CLASSES) {
		if (!ld_full_said) {
			ld_full_said = true;
			pr_info("bsdsync: lockdep: %d lock classes: locks of new classes are not given to lockdep\n",
				LD_CLASSES);
		}
		goto out;
	}
	c = &ld_classes[ld_nclasses];
	c->type = type;
	strscpy(c->name, name, LD_NAME);
	lockdep_init_map(&c->map, c->name, &c->key, 0);
	ld_nclasses++;
	/* Release: pairs with the acquire of the look-up (the class is complete). */
	smp_store_release(&ld_slots[slot], (unsigned short)ld_nclasses);
out:
	arch_spin_unlock(&table_lock);
	local_irq_restore(flags);
	return c;
}

/* How many holds of the class the calling thread has in lockdep's view. */
static int ld_held(const struct ld_class *c)
{
	struct task_struct *t = current;
	int i, n = 0;

	for (i = 0; i < t->lockdep_depth; i++)
		if (t->held_locks[i].instance == &c->map)
			n++;
	return n;
}

/*
 * The `ip` lockdep keeps with a hold and prints as "at:": the first return address outside
 * bsdsync.ko on the stack (the driver's lock call), else the sink's caller. One short stack
 * walk per event, on lockdep kernels only.
 */
static unsigned long ld_caller_ip(void)
{
#if IS_ENABLED(CONFIG_STACKTRACE)
	unsigned long pc[8];
	unsigned int n = stack_trace_save(pc, ARRAY_SIZE(pc), 2), i;

	for (i = 0; i < n; i++)
		if (!within_module(pc[i], THIS_MODULE))
			return pc[i];
#endif
	return _RET_IP_;
}

/*
 * An acquisition that releases an interlock of the caller's (a lockmgr request with
 * LK_INTERLOCK: it goes before any sleep) orders nothing after it: lockdep is told the
 * interlock is released now, as witness skips it (its checkorder's interlock); the
 * request's own release of it then finds no hold and is not given.
 */
static void ld_drop_interlock(const void *lock)
{
	const struct bsdsync_lock_type *type = NULL;
	const struct bsdsync_lock_site *site;
	const void *ilk = bsdsync_held_interlock(&type);
	const char *name = NULL;
	unsigned int wf = 0;
	struct ld_class *c;

	if (!ilk || ilk == lock || !type || !type->describe)
		return;
	type->describe(ilk, &name, &site, &wf);
	c = ld_class_of(type, name ? name : "(null)", false);
	if (c && lock_is_held(&c->map))
		lock_release(&c->map, _RET_IP_);
}

static void ld_event(const struct bsdsync_lock_event *e)
{
	const struct bsdsync_lock_type *type = e->type;
	const struct bsdsync_lock_site *site;
	const char *name = NULL;
	unsigned int wf = 0;
	struct ld_class *c;
	int read = (e->flags & BSDSYNC_LE_SHARED) ? 1 : 0, sub;
	unsigned long ip;

	if (!type || !type->describe || (e->flags & BSDSYNC_LE_RECURSE) ||
	    e->kind == BSDSYNC_LE_CONTENDED)
		return;
	/* After a lockdep report lockdep is off for the rest of the boot. */
	if (!debug_locks)
		return;
	if (e->kind != BSDSYNC_LE_RELEASED && READ_ONCE(ld_quiet))
		return;
	if (!(type->flags & (BSDSYNC_LT_SPIN | BSDSYNC_LT_PREEMPT_OFF)) && in_interrupt())
		return;
	if (e->kind == BSDSYNC_LE_ACQUIRING && (type->flags & BSDSYNC_LT_SPIN))
		return;
	type->describe(e->lock, &name, &site, &wf);
	if (wf & BSDSYNC_LW_NOWITNESS)
		return;
	if (!name)
		name = "(null)";
	c = ld_class_of(type, name, e->kind != BSDSYNC_LE_RELEASED);
	if (!c)
		return;
	if (e->kind != BSDSYNC_LE_RELEASED && !(e->flags & BSDSYNC_LE_TRY))
		ld_drop_interlock(e->lock);
	/* The caller's site for a hold (lockdep prints it); a release's is never shown. */
	ip = e->kind == BSDSYNC_LE_RELEASED ? _RET_IP_ : ld_caller_ip();
	switch (e->kind) {
	case BSDSYNC_LE_ACQUIRING:
		if (wf & BSDSYNC_LW_DROPPED_AT_SLEEP)
			return;
		sub = ld_held(c);
		if (sub >= MAX_LOCKDEP_SUBCLASSES)
			return;
		/* might_lock(): the order check without a hold. */
		lock_acquire(&c->map, sub, 0, read, 1, NULL, ip);
		lock_release(&c->map, ip);
		break;
	case BSDSYNC_LE_ACQUIRED:
		sub = ld_held(c);
		if (sub >= MAX_LOCKDEP_SUBCLASSES)
			return;
		lock_acquire(&c->map, sub,
			     (e->flags & BSDSYNC_LE_TRY) || (wf & BSDSYNC_LW_DROPPED_AT_SLEEP),
			     read, 1, NULL, ip);
		break;
	case BSDSYNC_LE_RELEASED:
		if (lock_is_held(&c->map))
			lock_release(&c->map, ip);
		break;
	}
}

static const struct bsdsync_lock_event_sink ld_sink = { "lockdep", ld_event };

void bsdsync_lockdep_start(void)
{
	if (param_lockdep)
		ld_attached = bsdsync_lock_events_attach(&ld_sink) == 0;
}

void bsdsync_lockdep_exiting(void)
{
	struct task_struct *t = current;
	int i;

	if (!ld_attached)
		return;
	for (i = t->lockdep_depth - 1; i >= 0; i--) {
		struct lockdep_map *map = t->held_locks[i].instance;

		if ((void *)map >= (void *)ld_classes && (void *)map < (void *)&ld_classes[LD_CLASSES])
			lock_release(map, _RET_IP_);
	}
}

int bsdsync_test_lockdep(int on)
{
	bool was = ld_attached;

	if (on && !ld_attached)
		ld_attached = bsdsync_lock_events_attach(&ld_sink) == 0;
	else if (!on && ld_attached) {
		bsdsync_lock_events_detach(&ld_sink);
		ld_attached = false;
	}
	return was;
}

int bsdsync_test_lockdep_quiet(int on)
{
	int was = READ_ONCE(ld_quiet);

	WRITE_ONCE(ld_quiet, on);
	return was;
}

void bsdsync_lockdep_stop(void)
{
	if (ld_attached)
		bsdsync_lock_events_detach(&ld_sink);
	ld_attached = false;
}

#else /* !CONFIG_LOCKDEP */

void bsdsync_lockdep_start(void)
{
}

void bsdsync_lockdep_stop(void)
{
}

void bsdsync_lockdep_exiting(void)
{
}

int bsdsync_test_lockdep(int on)
{
	return 0;
}

int bsdsync_test_lockdep_quiet(int on)
{
	return 0;
}

#endif
