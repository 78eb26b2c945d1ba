/*
 * DragonFly critical sections, crit_enter(9): crit_enter, crit_exit, crit_enter_id,
 * crit_exit_id.
 *
 * A per-thread nesting count (ThreadSlot::crit_depth, DragonFly's td_critcount; spinlocks
 * keep their own count, spinlock.cpp), each level one Linux preempt_disable(). What the
 * section blocks, on Linux:
 *   - preemption: no other thread runs on this CPU until the outermost crit_exit(), where
 *     a reschedule that fell due inside is taken (interrupt threads too: on Linux they are
 *     threads like any other, and threaded IRQ handlers and workqueues wait);
 *   - migration: the thread stays on its CPU, so per-CPU data stays its CPU's;
 *   - NOT hard or soft interrupts: DragonFly defers interrupts and IPIs arriving on the CPU
 *     to the outermost crit_exit(); Linux runs hard interrupt handlers (and softirqs on
 *     their exit) at once. Code that needs to exclude an interrupt handler on Linux uses a
 *     spinlock both take, or local_irq_disable(): bsdsync cannot defer Linux's handlers.
 *   - no other CPU: as in DragonFly, a critical section excludes nothing elsewhere.
 * A thread may sleep inside (DragonFly gives the section up for the sleep and takes it back:
 * sleep.cpp does so for tsleep); any other blocking inside is reported by the primitive
 * (core/thread.h may_block) or by Linux ("scheduling while atomic").
 *
 * Hard code sections (crit_enter_hard / crit_exit_hard, and lwkt_gettoken_hard /
 * lwkt_reltoken_hard around a token): a critical section that DragonFly also counts as
 * interrupt nesting (gd_intr_nesting_level), where nothing may block. Here: one critical
 * level plus ThreadSlot::crit_hard; tsleep inside one is reported and refused (EWOULDBLOCK,
 * sleep.cpp) instead of giving the section up; every other block is refused by the context
 * check as in any critical section. crit_exit_hard without a hard section is reported.
 *
 * The _id forms: DragonFly's DEBUG_CRIT_SECTIONS check, always on: crit_exit_id(id) with an
 * id other than the matching crit_enter_id's (compared by pointer, as DragonFly does) is
 * reported once; the section is left anyway. The innermost ThreadSlot::kCritIds ids are
 * kept; deeper ones are not checked. In interrupt context (no thread record) nothing is
 * counted or checked: only preemption is disabled and enabled.
 */
#include "dragonfly/dragonfly.h"

using namespace bsdsync;
using namespace bsdsync::dfly;

namespace {

inline void enter(const char *id)
{
	bsdsync_preempt_disable();
	if (ThreadState *t = current_record()) {
		ThreadSlot *s = thread_slot(t);
		if (s->crit_depth < ThreadSlot::kCritIds)
			s->crit_id[s->crit_depth] = id;
		s->crit_depth++;
	}
}

inline void exit(const char *id, bool check, const char *file, int line)
{
	/* current_record(), not _if_any(): a thread that never made a record has entered no
	 * section here (enter() makes one), so its exit is the misuse, found at depth 0 of
	 * the record made now; looking for a record only would let it take a preemption
	 * level it does not own away. (A record enter() failed to allocate and exit() gets:
	 * reported, the level kept; out of memory only.) */
	if (ThreadState *t = current_record()) {
		ThreadSlot *s = thread_slot(t);
		int d = s->crit_depth;
		if (unlikely(d == 0)) {
			report(BSDSYNC_RULE_BAD_ARGUMENT,
			       ReportSubject{ "critical section", id ? id : "crit_exit", nullptr,
					      nullptr },
			       file, line, "crit_exit without a matching crit_enter");
			return;
		}
		s->crit_depth = d - 1;
		if (check && d <= ThreadSlot::kCritIds && s->crit_id[d - 1] != id)
			report(BSDSYNC_RULE_BAD_ARGUMENT,
			       ReportSubject{ "critical section", id ? id : "(null)", id, nullptr },
			       file, line, "crit_exit_id(\"%s\") leaves the section of "
			       "crit_enter_id(\"%s\")", id ? id : "(null)",
			       s->crit_id[d - 1] ? s->crit_id[d - 1] : "(crit_enter)");
	}
	bsdsync_preempt_enable();
}

} // namespace

extern "C" {

void dfly_crit_enter(void)
{
	enter(nullptr);
}

void dfly_crit_exit(void)
{
	exit(nullptr, false, nullptr, 0);
}

void dfly_crit_enter_id(const char *id)
{
	enter(id);
}

void dfly_crit_exit_id(const char *id, const char *file, int line)
{
	exit(id, true, file, line);
}

void dfly_crit_enter_hard(void)
{
	enter(nullptr);
	if (ThreadState *t = current_record_if_any())
		thread_slot(t)->crit_hard++;
}

void dfly_crit_exit_hard(const char *file, int line)
{
	if (ThreadState *t = current_record()) {	/* as exit() */
		ThreadSlot *s = thread_slot(t);
		if (unlikely(s->crit_hard == 0)) {
			/* One report: no plain section is left either when there is none. */
			report(BSDSYNC_RULE_BAD_ARGUMENT,
			       ReportSubject{ "critical section", "crit_exit_hard", nullptr,
					      nullptr },
			       file, line, "crit_exit_hard without a matching crit_enter_hard: %s",
			       s->crit_depth ? "a plain section left" : "nothing left");
			if (!s->crit_depth)
				return;
		} else {
			s->crit_hard--;
		}
	}
	exit(nullptr, false, file, line);
}

int dfly_crit_hard_count(void)
{
	ThreadState *t = current_record_if_any();
	return t ? thread_slot(t)->crit_hard : 0;
}

int dfly_crit_count(void)
{
	ThreadState *t = current_record_if_any();
	return t ? thread_slot(t)->crit_depth : 0;
}

} // extern "C"
