/*
 * witness: the lock-order checker (FreeBSD's witness(4)), a lock-event sink (core/lock_events.h)
 * over the held-locks stack (core/thread.h) and the per-CPU spin record (core/spin.h).
 * Personality-neutral: a lock is known by its LockType and what describe() says of it (name,
 * init site, BSDSYNC_LW_* flags).
 *
 * The graph: a class is (type, name given at init), as FreeBSD keys it: every lock of one type
 * and one name is one class (the name is compared on its first kNameBytes-1 characters). An
 * edge H -> N means "a thread held a lock of class H when it acquired one of class N"; each
 * edge keeps where that first happened (H's acquisition site and N's, as file tails).
 *
 * What is recorded when (the sink, in the context of the lock operation):
 *  - ACQUIRING (before a blocking attempt) and ACQUIRED (not a try-lock, not a recursion):
 *    the new lock's class N is checked against every class H the thread holds (its stack's
 *    recorded holds other than the lock itself; the CPU's spin record's locks): if the graph
 *    has a path N -> ... -> H (found by a breadth-first walk, so transitive cycles count), a
 *    lock-order reversal is reported, once per pair of classes, naming both locks, their init
 *    sites, where H was acquired and where the first edge of the other order was recorded
 *    (BSDSYNC_RULE_LOCK_ORDER). H == N with a different lock and the new lock not DUPOK:
 *    "acquiring duplicate lock of same type", once per class. The check runs at both events
 *    (ACQUIRED is the only one some paths send); the once-per-pair record makes the second
 *    look silent.
 *  - ACQUIRED only (not a try-lock, not a recursion): the edges H -> N, except a reversed pair.
 *    A try-lock never reports and adds no edge, but its hold counts as held for later
 *    acquisitions (it is on the stack).
 *  - ACQUIRING, in thread context, before the order check: the context rules at an
 *    acquisition (core/context_rules.h context_check_acquire): a blockable lock with a spin
 *    lock held or in a critical section is reported (BSDSYNC_RULE_SLEEP_ATOMIC), contended
 *    or not, once per acquisition (FreeBSD's "acquiring blockable sleep lock with spinlock
 *    or critical section held"); ACQUIRED ends the acquisition's mark.
 *  - NOWITNESS locks (BSDSYNC_LW_NOWITNESS) are neither checked nor recorded, new or held
 *    (nor context-checked at their acquisition: context_rules.h's column Unwitnessed).
 *  - A hold marked HeldLock::kInterlock (the interlock a lockmgr request releases) is skipped
 *    for that acquisition: no check, no edge (FreeBSD's WITNESS_CHECKORDER interlock).
 *  - Giant (BSDSYNC_LW_GIANT): no check and no edge between it and a sleepable hold (the
 *    lock's type is BSDSYNC_LT_SLEEPABLE for the mode held), in either order (witness(4)).
 *  - Holds deeper than the stack records (HeldLocks::kTrack) and spin locks beyond
 *    BSDSYNC_SPIN_TRACK are not seen.
 *
 * Stacks (the `witness_stacks` parameter, on by default): each edge keeps the stack of the
 * acquisition that recorded it (kStackDepth return addresses, saved by the platform), and
 * each reversal the stack of the acquisition that made it; a reversal's report prints the
 * established order's stack after its own (the report's stack dump is the reversing one),
 * and the reversals list shows both. What a violation does (the `witness_action` parameter):
 * report and go on (default), or panic after the report (test kernels that must stop at the
 * first one).
 *
 * For ported code (FreeBSD's WITNESS_* macros, over these functions; thread context):
 *  - witness_checkorder: the order check of an acquisition of `lock`, without acquiring it
 *    (no edge is recorded: the acquisition's own ACQUIRED does that), `interlock` skipped;
 *  - witness_save / witness_restore / witness_file / witness_line: the acquisition site kept
 *    in the thread's record of a held lock (its newest record), read or put back.
 * (WITNESS_WARN is a personality's: FreeBSD's in module/freebsd/systm.cpp, over
 * check_may_sleep_with_locks, core/thread.h.) All of them do nothing ("?", 0) while
 * witness is off, as FreeBSD's do when debug.witness.watch is 0.
 *
 * Limits (fixed tables, nothing is allocated on the event path): kClasses classes, kEdges
 * edges, kReversals reversals kept for the list. When the class or edge table is full,
 * nothing more of that kind is recorded, a single message says so (until a reset), and the
 * checks go on with the graph as it is.
 *
 * Locking key: every table below is under one IrqSpinBit (`witness_lock`, interrupts off while
 * held), taken by the sink in any context and by the readers (DOT, reversals list) and reset
 * in thread context; never a bsdsync lock, so the sink cannot recurse into lock events. The
 * reports are made after the bit is released. Enabling and disabling (attaching the sink) are
 * thread context and serialised by their callers (module init/exit, the KUnit entry).
 */
#ifndef BSDSYNC_CORE_WITNESS_H
#define BSDSYNC_CORE_WITNESS_H

#include "core/lock_type.h"

namespace bsdsync {

namespace witness_limits {
constexpr int kClasses = 512;
constexpr int kEdges = 2048;
constexpr int kReversals = 64;
constexpr int kNameBytes = 32;
constexpr int kStackDepth = 16;
} // namespace witness_limits

/* Attach (true) or detach the sink; returns whether it was on. Thread context. */
bool witness_set(bool on);
bool witness_on();
/* Forget every class, edge and reported pair. Thread context. */
void witness_reset();
/* The graph as Graphviz DOT (one node per class "type: name", one edge per recorded order),
 * and the reversals seen so far (one line each), into buf (NUL-terminated, truncated to
 * len): the length the whole text needs, as snprintf. Thread context. */
unsigned long witness_dot(char *buf, unsigned long len);
unsigned long witness_reversals(char *buf, unsigned long len);

/* Keep stacks with orders and reversals (returns whether it did); panic after a report. */
bool witness_set_stacks(bool on);
void witness_set_panic(bool on);

/* For ported code (above). `type` is the lock's, `shared` the mode asked. */
void witness_checkorder(const void *lock, const LockType *type, bool shared, const char *file,
			int line, const void *interlock);
bool witness_save(const void *lock, const char **file, int *line);
void witness_restore(const void *lock, const char *file, int line);

/* The holds recorded in a thread's record `state` (another thread's: read with relaxed
 * loads, a snapshot that may be torn while that thread locks): up to max, oldest first.
 * `type` is null unless it is a registered type (one of an unloaded module is not given);
 * `file` is the pointer as recorded, not read here (the caller copies it safely). */
struct HeldView {
	const void *lock;
	const LockType *type;
	const char *file;
	int line;
	bool shared;
};
int witness_held_of(const void *state, HeldView *out, int max);

/* Set by a personality at load: the type of a spin lock recorded in the per-CPU spin record
 * (which keeps only its address), or null if unknown. */
extern const LockType *(*witness_spin_lock_type)(const void *lock);

} // namespace bsdsync

#endif
