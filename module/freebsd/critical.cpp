/*
 * FreeBSD critical_enter(9)/critical_exit(9) over Linux preemption control: the thread is
 * neither preempted nor migrated inside; a preemption that fell due is taken at the
 * outermost exit; interrupts stay on. Sleeping inside is reported by every sleep primitive.
 */
#include <bsdsync/freebsd/sleep.h>
#include "core/base.h"

extern "C" {

/* critical_enter(9): no preemption and no migration until the matching exit; a preemption
 * that fell due inside happens at the outermost exit. Interrupts stay on. */
void fbsd_critical_enter(void)
{
	bsdsync_preempt_disable();
}

void fbsd_critical_exit(void)
{
	bsdsync_preempt_enable();
}

} // extern "C"
