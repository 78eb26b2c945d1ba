/*
 * The thread record as the inline lock paths of a driver built for production reach it,
 * without a call (both personalities: FreeBSD's <sys/lock.h>, <sys/rmlock.h>; DragonFly's
 * <sys/lock.h>, <sys/mutex2.h>). Kernel C, x86-64 only; the offsets are
 * <bsdsync/inline_abi.h>'s, checked by the module at compile time.
 *
 * The record is the one in the module's per-CPU cache of the last record found
 * (BSDSYNC_CPU_LAST_TD): two %gs-relative loads and a compare. A miss (the first lock after
 * a switch to another locking thread, or a thread that has no record yet) makes the inline
 * path call the module, which looks the record up and refills the cache.
 *
 * The per-kind shared-hold counts (FreeBSD's: BSDSYNC_TD_COUNTS_OFFSET, index <bsdsync/
 * freebsd/sx.h> BSDSYNC_SL_COUNT_*, <bsdsync/freebsd/lockmgr.h> BSDSYNC_LK_COUNT;
 * DragonFly's: BSDSYNC_TD_DFLY_COUNTS, in its personality slot, index <bsdsync/dragonfly/
 * lock.h> BSDSYNC_DFLY_LK_COUNT, <bsdsync/dragonfly/mutex.h> BSDSYNC_DFLY_MTX_COUNT: where
 * it adds no byte to the part of the record FreeBSD's paths use) all have one layout: the low bits
 * (below BSDSYNC_TD_COUNT_RECORDED) count the shared holds the thread's inline paths took
 * (no record, no event), the rest, in units of BSDSYNC_TD_COUNT_RECORDED, the shared holds
 * of the kind the module recorded. Only the thread writes its counts, and only the thread
 * reads them (the module's decisions for it run in it): plain accesses, no order.
 */
#ifndef _BSDSYNC_INLINE_TD_H_
#define _BSDSYNC_INLINE_TD_H_

/* Kernel C only: the includer (a face's header under BSDSYNC_INLINE_LOCKS) has <asm/current.h>
 * for `current` (the ABI headers include no Linux header). */
#include <bsdsync/inline_abi.h>

/* The record in the module's per-CPU cache slot (the exported per-CPU bsdsync_cpu_area,
 * named in the asm only; never NULL). The slot is read in one instruction and any record it
 * names is valid memory; it is the caller's iff its first word (its task) is `current`,
 * whichever CPU the caller runs on by then. Volatile all the same: a value hoisted out of a
 * driver's loop would keep missing after the module's fallback refilled the slot. */
static __always_inline char *__bsd_td_cached(void)
{
	char *r;

	__asm__ __volatile__("movq %%gs:bsdsync_cpu_area+%c1(%%rip), %0"
		: "=r"(r) : "i"(BSDSYNC_CPU_LAST_TD));
	return r;
}
#define __bsd_td_mine(r)	(__atomic_load_n((void **)(r), __ATOMIC_RELAXED) == (void *)current)
/* The record's shared-hold counts (BSDSYNC_TD_COUNTS_OFFSET of its state). */
#define __bsd_td_counts(r)	((int *)((r) + BSDSYNC_TD_STATE_OFFSET + BSDSYNC_TD_COUNTS_OFFSET))
/* A count holds inline holds only (1 <= count < BSDSYNC_TD_COUNT_RECORDED): an inline
 * release may take one off without looking for a record. */
#define __bsd_td_count_inline_only(c)						\
	((unsigned int)((c) - 1) < (unsigned int)(BSDSYNC_TD_COUNT_RECORDED - 1))

#endif
