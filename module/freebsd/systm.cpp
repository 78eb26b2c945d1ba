/*
 * The <sys/systm.h> services of a ported FreeBSD file besides the locks: printf(9),
 * KASSERT's report, WITNESS_WARN, spinlock_enter/spinlock_exit, curcpu
 * (include/bsdsync/freebsd/systm.h has the contracts).
 */
#include <bsdsync/freebsd/systm.h>
#include "freebsd/lock_class.h"
#include "core/thread.h"
#include "core/spin.h"

extern "C" int vsnprintf(char *buf, unsigned long size, const char *fmt, __builtin_va_list args);
/* Linux's panic(), called by name (objtool knows it does not return). */
extern "C" void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

using namespace bsdsync;
using namespace bsdsync::fbsd;

extern "C" {

int fbsd_vprintf(const char *fmt, __builtin_va_list ap)
{
	char text[512];
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	unsigned long len = n < 0 ? 0 : (unsigned long)n;

	if (len >= sizeof(text))
		len = sizeof(text) - 1;
	bsdsync_printf_text(text, len);
	return n;
}

int fbsd_printf(const char *fmt, ...)
{
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	int n = fbsd_vprintf(fmt, ap);
	__builtin_va_end(ap);
	return n;
}

void fbsd_kassert_failed(const char *file, int line, const char *expr, const char *fmt, ...)
{
	char msg[160];
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	__builtin_va_end(ap);
	report(BSDSYNC_RULE_ASSERTION, ReportSubject{ "KASSERT", expr, nullptr, nullptr }, file,
	       line, "%s", msg);
}

namespace {

/*
 * The locks FreeBSD's witness_warn lists, other than `lock`: the thread's recorded holds of
 * witnessed locks (not NOWITNESS), Giant unless WARN_GIANTOK, sleepable holds unless
 * WARN_SLEEPOK (holds deeper than the record are counted too then: their kind is not kept),
 * and the spin locks of this CPU's spin record. *sleepable: the newest sleepable hold counted
 * (for the report), or null.
 */
int warn_count(int flags, const void *lock, const HeldLock **sleepable)
{
	int n = 0;
	*sleepable = nullptr;
	if (const ThreadState *t = current_record_if_any()) {
		const HeldLocks &h = t->held;
		int recorded = h.depth < HeldLocks::kTrack ? h.depth : HeldLocks::kTrack;
		for (int i = 0; i < recorded; i++) {
			const HeldLock &e = h.entry[i];
			if (!e.lock || !e.type || e.lock == lock || (e.flags & HeldLock::kPlaceholder))
				continue;
			const char *name;
			const bsdsync_lock_site *site;
			unsigned wf = 0;
			if (e.type->describe) {
				e.type->describe(e.lock, &name, &site, &wf);
				if (wf & BSDSYNC_LW_NOWITNESS)
					continue;
			}
			if ((flags & BSDSYNC_WARN_GIANTOK) && e.lock == &fbsd_Giant.lock_object)
				continue;
			if (!held_type_nosleep(e.type, e.mode)) {
				if (flags & BSDSYNC_WARN_SLEEPOK)
					continue;
				*sleepable = &e;
			}
			n++;
		}
		if (!(flags & BSDSYNC_WARN_SLEEPOK) && h.depth > HeldLocks::kTrack)
			n += h.depth - HeldLocks::kTrack;
	}
	/* With a spin lock held preemption is off: the record is this thread's. Without one the
	 * count is 0 wherever it is read. spinlock_enter() sections name no lock and are not
	 * counted (FreeBSD lists spin mutexes only); may_block reports them. */
	int nspin = bsdsync_spin_nesting();
	if (nspin > BSDSYNC_SPIN_TRACK)
		nspin = BSDSYNC_SPIN_TRACK;
	if (nspin) {
		const bsdsync_spin_held *spin = bsdsync_cpu_spin_held();
		for (int i = 0; i < nspin; i++)
			if (spin->lock[i] && spin->lock[i] != lock)
				n++;
	}
	return n;
}

} // namespace

/*
 * WITNESS_WARN: one report at most, from the first check that finds something: the context
 * (may_block: interrupt, spin mutex, critical section, preemption or interrupts off), then
 * the non-sleepable locks held other than `lock` and Giant (check_may_sleep_with_locks),
 * then Giant unless WARN_GIANTOK, then the sleepable locks unless WARN_SLEEPOK
 * (BSDSYNC_RULE_ASSERTION: the caller asserted it holds none); the number of locks listed
 * (warn_count) is returned, as FreeBSD's witness_warn returns it.
 */
int fbsd_witness_warn(int flags, struct lock_object *lock, const char *file, int line,
		      const char *fmt, ...)
{
	char msg[128];
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	__builtin_va_end(ap);

	const HeldLock *sleepable;
	int n = warn_count(flags, lock, &sleepable);
	int found = 0;
	if (!may_block(ReportSubject{ "WITNESS_WARN", msg, nullptr, nullptr }, nullptr, msg,
		       "the caller goes on", file, line))
		found = 1;
	else if (check_may_sleep_with_locks(lock, msg, file, line))
		found = 1;
	else if (!(flags & BSDSYNC_WARN_GIANTOK) && lock != &fbsd_Giant.lock_object &&
		 fbsd_mtx_owned(&fbsd_Giant)) {
		report(BSDSYNC_RULE_SLEEP_NONSLEEPABLE, fbsd::subject_of(&fbsd_Giant.lock_object),
		       file, line, "%s with Giant held (no WARN_GIANTOK)", msg);
		found = 1;
	} else if (sleepable) {
		report(BSDSYNC_RULE_ASSERTION, lock_subject(sleepable->type, sleepable->lock), file,
		       line, "%s with %d lock(s) held, this sleepable one %s, acquired at %s:%d "
		       "(no WARN_SLEEPOK)", msg, n,
		       sleepable->mode == HoldMode::Shared ? "shared" : "exclusive",
		       sleepable->file ? sleepable->file : "?", sleepable->line);
		found = 1;
	}
	if (found && (flags & BSDSYNC_WARN_PANIC))
		panic("WITNESS_WARN at %s:%d: %s", file ? file : "?", line, msg);
	/* FreeBSD returns the number of locks it listed; a context it cannot sleep in counts
	 * as one when no lock is listed. */
	return n > found ? n : found;
}

/* spinlock_enter/exit name no lock (NULL) in this CPU's spin record. */
void fbsd_spinlock_enter(void)
{
	bsdsync_spinlock_enter_fast(nullptr);
}

void fbsd_spinlock_exit(void)
{
	bsdsync_spinlock_exit_fast(bsdsync_spin_cpu_this(), nullptr);
}

int fbsd_curcpu(void)
{
	return bsdsync_cpu_id();
}

} // extern "C"
