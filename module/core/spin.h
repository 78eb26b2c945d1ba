/*
 * The per-CPU spin record: spinlock_enter()/spinlock_exit() as the BSDs have them (FreeBSD's
 * spin mutexes use it; DragonFly's spinlocks will). Interrupts off on this CPU and preemption
 * off, nested by a per-CPU count; the interrupt state saved at the outermost enter comes back
 * only at the outermost exit. That is what lets spin locks be released in any order. Each
 * enter names what it is for (a spin lock, or NULL), and the record keeps the first
 * BSDSYNC_SPIN_TRACK of them, newest last, for diagnostics (which spin locks this CPU holds);
 * an exit removes the newest entry of its lock wherever it is.
 *
 * The inline mtx_lock_spin of a driver built for production (<sys/mutex.h>) enters without
 * a name and without a call: one increment of the depth and one OR of its interrupt state
 * into saved_flags (<bsdsync/inline_abi.h>), and its unlock one decrement, restoring the
 * state at depth 0. That works because of two invariants every exit keeps: saved_flags is 0
 * while the depth is 0 (the outermost exit clears it; an enter at depth > 0 has interrupts
 * off and ORs in nothing that matters), and the slots at and above the depth are null (an
 * exit clears the slot it frees), so an unnamed enter leaves a null slot: "a spin section
 * nobody named", never a stale name. An unnamed level released out of order can leave a
 * named one above the depth; the exit of that lock finds it there and clears it
 * (bsdsync_spin_untrack_slow).
 *
 * Locking key: the record is this CPU's (platform's per-CPU state area, platform.h), touched
 * only by the thread running on this CPU with interrupts off, so no lock protects it;
 * bsdsync_spin_nesting() reads its count with one instruction, safe at any time.
 *
 * Inline for the spin-lock fast paths: bsdsync_spin_cpu_this() finds this CPU's record with
 * one %gs-relative load. The interrupt flag and the preempt count are changed inline only
 * when bsdsync_irq_inline says so; the _mode functions take it as inline_ops (callers that
 * test it once and specialise pass a constant), and with inline_ops = 0 they call
 * bsdsync_irq_save() and friends instead (platform.h).
 */
#ifndef BSDSYNC_CORE_SPIN_H
#define BSDSYNC_CORE_SPIN_H

#include "platform/platform.h"
#include <bsdsync/inline_abi.h>

#define BSDSYNC_SPIN_TRACK 8
/* Locking key (see the top): (p) this CPU's thread with interrupts off; (r) and read
 * without it by bsdsync_spin_nesting() (one load). */
struct bsdsync_spin_held {
	int count;			/* (p, r) spinlock_enter depth on this CPU */
	const void *lock[BSDSYNC_SPIN_TRACK];	/* (p) what the first ones were for, newest
						   last */
};
struct bsdsync_spin_cpu {
	struct bsdsync_spin_held held;	/* (p) */
	unsigned long saved_flags;	/* (p) interrupt state before the outermost enter; 0
					   at depth 0 (see the top) */
};
static_assert(sizeof(struct bsdsync_spin_cpu) <= BSDSYNC_CPU_STATE_BYTES,
	      "platform.h: BSDSYNC_CPU_STATE_BYTES");
/* The state sits at byte 8 of the per-CPU area (platform.c). */
static_assert(8 + __builtin_offsetof(struct bsdsync_spin_cpu, held.count) == BSDSYNC_CPU_SPIN_DEPTH,
	      "include/bsdsync/inline_abi.h: BSDSYNC_CPU_SPIN_DEPTH");
static_assert(8 + __builtin_offsetof(struct bsdsync_spin_cpu, saved_flags) == BSDSYNC_CPU_SPIN_SAVED,
	      "include/bsdsync/inline_abi.h: BSDSYNC_CPU_SPIN_SAVED");

/* This CPU's record. Only meaningful while the caller cannot migrate (interrupts off). */
static inline struct bsdsync_spin_cpu *bsdsync_spin_cpu_this(void)
{
	return static_cast<struct bsdsync_spin_cpu *>(bsdsync_cpu_state_this());
}

/* spinlock_enter() for `lock`; returns this CPU's record (valid until the matching exit). */
static inline __attribute__((always_inline)) struct bsdsync_spin_cpu *
bsdsync_spinlock_enter_mode(const void *lock, int inline_ops)
{
	unsigned long flags;
	struct bsdsync_spin_cpu *spin_rec;
	int n;

	/* Preemption is counted too, so Linux's own atomic-context checks see the section. */
	if (inline_ops) {
		flags = bsdsync_irq_save_preempt_off_fast();
	} else {
		flags = bsdsync_irq_save();
		bsdsync_preempt_disable();
	}
	spin_rec = bsdsync_spin_cpu_this();
	n = spin_rec->held.count;
	if (n == 0)
		spin_rec->saved_flags = flags;
	if (__builtin_expect(n < BSDSYNC_SPIN_TRACK, 1))
		spin_rec->held.lock[n] = lock;
	spin_rec->held.count = n + 1;
	return spin_rec;
}

/* The first half of spinlock_exit() for `lock`: its entry leaves the record. */
void bsdsync_spin_untrack_slow(struct bsdsync_spin_cpu *spin_rec, const void *lock);
static inline __attribute__((always_inline)) void
bsdsync_spin_untrack(struct bsdsync_spin_cpu *spin_rec, const void *lock)
{
	int n = spin_rec->held.count;

	/* The newest one: the usual order. Its slot is left null (see the top). */
	if (__builtin_expect(n > 0 && n <= BSDSYNC_SPIN_TRACK && spin_rec->held.lock[n - 1] == lock, 1)) {
		spin_rec->held.lock[n - 1] = 0;
		spin_rec->held.count = n - 1;
	} else
		bsdsync_spin_untrack_slow(spin_rec, lock);
}

/* The second half: interrupts back on at the outermost exit, then preemption. */
static inline __attribute__((always_inline)) void
bsdsync_spin_leave_mode(struct bsdsync_spin_cpu *spin_rec, int inline_ops)
{
	int outer = spin_rec->held.count == 0;
	unsigned long saved = 0;

	/* At depth 0 saved_flags goes back to 0 (see the top), before interrupts come on. */
	if (outer) {
		saved = spin_rec->saved_flags;
		spin_rec->saved_flags = 0;
	}
	/* A reschedule that became due while the spin locks were held happens here, at the
	 * outermost release. With interrupts still off (inner exit) the enable cannot
	 * reschedule. */
	if (inline_ops) {
		if (outer && (saved & BSDSYNC_IRQ_FLAGS_ENABLED))
			bsdsync_irq_enable_fast();
		bsdsync_preempt_enable_fast();
	} else {
		if (outer)
			bsdsync_irq_restore(saved);
		bsdsync_preempt_enable();
	}
}

static inline struct bsdsync_spin_cpu *bsdsync_spinlock_enter_fast(const void *lock)
{
	return bsdsync_spinlock_enter_mode(lock, __builtin_expect(bsdsync_irq_inline, 1));
}

/* spinlock_exit() for `lock`, given this CPU's record. */
static inline void bsdsync_spinlock_exit_fast(struct bsdsync_spin_cpu *spin_rec, const void *lock)
{
	bsdsync_spin_untrack(spin_rec, lock);
	bsdsync_spin_leave_mode(spin_rec, __builtin_expect(bsdsync_irq_inline, 1));
}

/* The current CPU's spinlock_enter depth (meaningful with interrupts off: with them on, the
 * caller holds no spin lock). One instruction, so any context may read it. */
static inline int bsdsync_spin_nesting(void)
{
	return bsdsync_cpu_state_read_int(__builtin_offsetof(struct bsdsync_spin_cpu, held.count));
}
/* This CPU's record of held spin locks (interrupts off: stable). */
static inline const struct bsdsync_spin_held *bsdsync_cpu_spin_held(void)
{
	return &bsdsync_spin_cpu_this()->held;
}
/* The context the caller will be in once it releases the spin locks it holds on this CPU
 * (their interrupt and preemption state taken away): what msleep_spin sleeps in. */
enum bsdsync_context bsdsync_context_without_spin(void);

#endif
