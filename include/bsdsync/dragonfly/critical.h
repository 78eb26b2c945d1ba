/*
 * bsdsync C ABI: DragonFly critical sections, crit_enter(9) (<sys/thread2.h>).
 *
 * A per-thread nesting count whose outermost level disables preemption on Linux (what the
 * section blocks: module/dragonfly/critical.cpp). The _id forms name the section: an exit
 * whose id is not its enter's is reported (DragonFly's DEBUG_CRIT_SECTIONS check, always
 * on here).
 */
#ifndef _BSDSYNC_DRAGONFLY_CRITICAL_H_
#define _BSDSYNC_DRAGONFLY_CRITICAL_H_

#include <bsdsync/types.h>

BSDSYNC_DRAGONFLY_ABI_BEGIN

void dfly_crit_enter(void);
void dfly_crit_exit(void);
void dfly_crit_enter_id(const char *id);
void dfly_crit_exit_id(const char *id, const char *file, int line);
/* A hard code section: a critical section in which nothing may block, tsleep included
 * (DragonFly's crit_enter_hard: interrupt nesting). */
void dfly_crit_enter_hard(void);
void dfly_crit_exit_hard(const char *file, int line);
int dfly_crit_hard_count(void);
/* The current thread's critical-section depth (DragonFly's td_critcount). */
int dfly_crit_count(void);

BSDSYNC_DRAGONFLY_ABI_END

#endif
