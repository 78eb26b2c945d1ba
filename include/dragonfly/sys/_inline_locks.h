/*
 * The production build of a DragonFly driver (not a DragonFly header: <sys/spinlock2.h>,
 * <sys/mutex2.h>, <sys/serialize.h>, <sys/lock.h> and <sys/thread.h> include it). DragonFly
 * inlines the uncontended paths of its own spinlocks (spin_lock: one atomic_cmpset), mutexes
 * (mtx_lock_ex_quick, mtx_unlock), serializers and lockmgr locks; here the default build of
 * a driver is the checked one, whose every operation calls bsdsync.ko and is recorded in the thread's held-locks stack (the
 * misuse reports name the lock from it), and a driver built with -DBSDSYNC_NO_INVARIANTS (the
 * switch the FreeBSD face has, <sys/cdefs.h>) gets the inline paths. -DBSDSYNC_INLINE_LOCKS=0
 * or =1 chooses for itself. x86-64 kernel modules only.
 *
 * An inline acquisition takes the lock only while no lock-event sink is attached (the
 * module's static key, patched in the driver's code too) and marks the word UNRECORDED (a
 * bit bsdsync.ko never sets otherwise): no record of it exists, and the module's paths that
 * meet such a hold know it (spinlock: the release does not look for a record; mtx,
 * serializer and lockmgr: the owner's next call into the module records it first, "adopts"
 * it). A shared hold (lockmgr LK_SHARED, mtx_lock_sh) has no owner to mark in the word: the
 * inline path counts it in the thread's record instead (reached through the module's
 * per-CPU record cache, <bsdsync/inline_td.h>, as FreeBSD's inline read paths count theirs),
 * and the module reads that count (module/dragonfly/sleep_lock.h).
 * Tokens (<sys/thread.h>) are no held-locks record anyway: their inline paths push and pop
 * the thread's own reference stack, reached through the platform's per-CPU switch-hook
 * cookie, exactly as the module's fast paths do. Each header tells what its inline paths
 * keep and lose; README's "The checked build and the production build" sums it up.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS__INLINE_LOCKS_H_
#define _BSDSYNC_DRAGONFLY_SYS__INLINE_LOCKS_H_

#ifndef BSDSYNC_INLINE_LOCKS
#if defined(BSDSYNC_NO_INVARIANTS) && !defined(INVARIANTS) && defined(__KERNEL__) && \
	defined(__x86_64__)
#define BSDSYNC_INLINE_LOCKS 1
#else
#define BSDSYNC_INLINE_LOCKS 0
#endif
#endif

#if BSDSYNC_INLINE_LOCKS
#include <asm/current.h>
#include <linux/jump_label.h>
#include <linux/preempt.h>
#include <linux/percpu.h>
#include <bsdsync/inline_td.h>

/* On while a lock-event sink is attached (module/platform/switch.c). */
extern struct static_key_false bsdsync_lock_events_key;
/* The running thread's switch-hook cookie (module/platform/switch_hook.c): for DragonFly,
 * its token references (struct bsdsync_dfly_token_thread) while it has its switch hook
 * registered, NULL while any other thread runs. */
DECLARE_PER_CPU(void *, bsdsync_switch_cookie);

/* No sink attached: a patched no-op while none is. */
static __always_inline int __dfly_inline_events_off(void)
{
	return !static_branch_unlikely(&bsdsync_lock_events_key);
}

/* The calling thread's shared-hold count of a kind (BSDSYNC_DFLY_LK_COUNT, _MTX_COUNT) in
 * its record, reached through the module's per-CPU record cache (<bsdsync/inline_td.h>, the
 * mechanism FreeBSD's inline read paths use): `r` is __bsd_td_cached(), the count is the
 * caller's only if __bsd_td_mine(r) (else: call the module). A macro, not a function that
 * answers NULL on a miss: the compiler would test the sum for NULL again. */
#define __dfly_td_count(r, idx)							\
	((int *)((r) + BSDSYNC_TD_STATE_OFFSET + BSDSYNC_TD_DFLY_COUNTS) + (idx))
#endif

#endif
