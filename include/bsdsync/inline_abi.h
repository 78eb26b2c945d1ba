/*
 * bsdsync C ABI: what the inline lock paths of a driver built for production reach in
 * bsdsync.ko's own data without a call (<sys/mutex.h>'s mtx_lock_spin, <sys/rmlock.h>'s
 * rm_rlock). Offsets only; the module checks every one of them at compile time
 * (core/spin.h, platform/platform.c, freebsd/rm.cpp), so a layout change that forgets this
 * file does not build.
 *
 * bsdsync_cpu_area: a per-CPU variable (exported, reached %gs-relative):
 *   BSDSYNC_CPU_SPIN_DEPTH  int: this CPU's spinlock_enter depth (core/spin.h). Only the
 *                           thread running on the CPU changes it, with interrupts off.
 *   BSDSYNC_CPU_SPIN_SAVED  unsigned long: the interrupt state from before the outermost
 *                           enter (only its interrupt-enable bit means anything); 0 while the
 *                           depth is 0, so that an enter may OR its state in whatever its
 *                           depth (an enter at depth > 0 has interrupts off: it adds nothing)
 *   BSDSYNC_CPU_LAST_TD     the thread record last found on this CPU (never null): the
 *                           caller's own iff its first word is the caller's task
 * A thread record (platform.h struct bsdsync_td_record), from the address in
 * BSDSYNC_CPU_LAST_TD:
 *   BSDSYNC_TD_STATE_OFFSET the core's state (core/thread.h ThreadState), in which
 *     BSDSYNC_TD_NOSLEEP_OFFSET  int: the count of non-sleepable holds
 *     BSDSYNC_TD_COUNTS_OFFSET   int[]: the per-kind shared-hold counts, indexed by the
 *                                personality (FreeBSD: <bsdsync/freebsd/sx.h> BSDSYNC_SL_COUNT_*,
 *                                <bsdsync/freebsd/lockmgr.h> BSDSYNC_LK_COUNT, and lockmgr's
 *                                exclusive holds, BSDSYNC_LK_XCOUNT); the inline read paths
 *                                of <sys/lock.h> and <sys/lockmgr.h>'s inline LK_EXCLUSIVE
 *                                count their holds there, each count in one layout:
 *                                BSDSYNC_TD_COUNT_RECORDED (<bsdsync/inline_td.h>)
 *   BSDSYNC_TD_RM_TRACKERS  the FreeBSD personality's list of the thread's rm read trackers
 *                           (struct rm_priotracker, newest first, linked by rmp_next)
 *   BSDSYNC_TD_DFLY_COUNTS  the DragonFly personality's shared-hold counts (int[], in its
 *                           slot: module/dragonfly/dragonfly.h; index <bsdsync/dragonfly/
 *                           lock.h> BSDSYNC_DFLY_LK_COUNT, <bsdsync/dragonfly/mutex.h>
 *                           BSDSYNC_DFLY_MTX_COUNT), in the layout of the counts above
 */
#ifndef _BSDSYNC_INLINE_ABI_H_
#define _BSDSYNC_INLINE_ABI_H_

#define BSDSYNC_CPU_SPIN_DEPTH	8
#define BSDSYNC_CPU_SPIN_SAVED	80
#define BSDSYNC_CPU_LAST_TD	136
#define BSDSYNC_TD_STATE_OFFSET	48
#define BSDSYNC_TD_NOSLEEP_OFFSET	4
#define BSDSYNC_TD_COUNTS_OFFSET	8
#define BSDSYNC_TD_RM_TRACKERS	584
#define BSDSYNC_TD_DFLY_COUNTS	1344
/* A count's unit for a hold the module recorded (below it: the inline holds). */
#define BSDSYNC_TD_COUNT_RECORDED	0x10000

#endif
