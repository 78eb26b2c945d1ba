/*
 * <sys/thread2.h> for drivers ported from DragonFly BSD: critical sections, crit_enter(9).
 * Nested per thread; on Linux each level disables preemption (and so migration); hard and
 * soft interrupts still run (module/dragonfly/critical.cpp says what this blocks and what
 * not). The _id forms are checked: an exit with another id than its enter's is reported.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_THREAD2_H_
#define _BSDSYNC_DRAGONFLY_SYS_THREAD2_H_

#include <sys/types.h>
#include <bsdsync/dragonfly/critical.h>

#define crit_enter()		dfly_crit_enter()
#define crit_exit()		dfly_crit_exit()
#define crit_enter_id(id)	dfly_crit_enter_id((id))
#define crit_exit_id(id)	dfly_crit_exit_id((id), __FILE__, __LINE__)
/* Hard code sections: nothing may block inside, tsleep included (reported). */
#define crit_enter_hard()	dfly_crit_enter_hard()
#define crit_exit_hard()	dfly_crit_exit_hard(__FILE__, __LINE__)
#define crit_enter_hard_gd(gd)	dfly_crit_enter_hard()
#define crit_exit_hard_gd(gd)	dfly_crit_exit_hard(__FILE__, __LINE__)
/* The per-CPU forms: the CPU is the caller's own here. */
#define crit_enter_gd(gd)	dfly_crit_enter()
#define crit_exit_gd(gd)	dfly_crit_exit()
#define crit_enter_quick(td)	dfly_crit_enter()
#define crit_exit_quick(td)	dfly_crit_exit()
/* The current thread is in a critical section entered with crit_enter (td_critcount). */
#define IN_CRITICAL_SECT(td)	(dfly_crit_count() > 0)

#endif
