/*
 * Adaptive spinning: the one helper every lock calls when it would wait for an owner that is
 * running on a CPU (FreeBSD mtx, sx, rw, lockmgr, the rm writer): spinning is cheaper than
 * two context switches when the owner will release soon.
 *
 * The spinner gate. If every waiter polls the lock word, the word's cache line travels among
 * all of them and the owner, and the owner's release and the next acquisition wait for it.
 * So at most one spinner per lock, the head, polls the word; the others wait on the lock's
 * gate, a cache line of their own that changes only when a head comes or goes. The gates
 * are a hashed table keyed by the lock word's address, so a lock keeps its size (struct mtx
 * is 32 bytes, FreeBSD's layout; Linux's mutex keeps its MCS spinner queue in the lock).
 *
 *   gate: null (no head) or the lock word its head polls
 *   claim     null -> word                 CAS, relaxed (no data is published through it)
 *   leave     word -> null                 store, relaxed
 *
 *   head:     claims the gate, disables preemption, polls the word while it still holds the
 *             owner it was called with and that owner runs (and it need not reschedule),
 *             leaves the gate, and returns whether the word changed.
 *   waiter:   finds the gate held for its own word: polls the GATE while it stays so and the
 *             owner it was called with runs; when the gate is free it tries to become the
 *             head, which first reads the word once (a release it slept through is seen
 *             there, and returned as "changed").
 *   collision: a gate held for another lock's word is not waited on: that caller polls its
 *             own word as if there were no gate (rare: BSDSYNC_SPIN_GATES lines).
 *
 * Why no waiter spins past a release: a release changes the word; if a head is polling it,
 * the head sees the change and leaves the gate, which the waiters see; if there is none,
 * the next waiter to claim the gate reads the word first. Why the head disables
 * preemption: a head preempted while holding the gate would leave its waiters spinning
 * behind a lock nobody watches (bounded only by the owner's running); with preemption off
 * it leaves the gate when it must reschedule instead. Every spin ends when the owner stops
 * running, the spinner must reschedule, or the caller's time limit passes (platform.h
 * bsdsync_spin_while_owner_runs), so the gate changes only who polls, never whether a
 * thread ends up blocking.
 *
 * The time limit (limit_ns, 0 = none): a caller whose owner may itself be spinning for
 * something the caller holds bounds its spin. Two threads each spinning while the other
 * runs are ended otherwise only by a reschedule forced from outside (nothing else is
 * runnable on their CPUs, so need_resched stays clear): DragonFly's tokens make that order
 * legal (a token's holder that blocks gives it up), so a token's contender passes a limit
 * (module/dragonfly/token.cpp spin_for), blocks when it passes, and the holder's own spin
 * on it then ends because it stopped running. One deadline per call: it bounds how long
 * this caller watches this owner, head or waiter on the gate; a caller that finds a new
 * owner calls again with a fresh one. The clock is read only by callers that pass a limit.
 *
 * Spin locks whose waiters never block (DragonFly spinlocks) use the gate alone
 * (adaptive_gate_enter): their waiters and heads spin in the lock's critical section,
 * preemption off, so a head runs until it has the lock and leaves; interrupt context never
 * waits on a gate (the head may be the thread it interrupted).
 */
#ifndef BSDSYNC_CORE_ADAPTIVE_H
#define BSDSYNC_CORE_ADAPTIVE_H

#include "core/base.h"

#define BSDSYNC_SPIN_GATES 64

namespace bsdsync {

/*
 * Spin while (*word & mask) == owner and that owner (a thread pointer, as the word holds
 * it) runs on a CPU, for at most limit_ns nanoseconds if limit_ns is not 0. Returns true if
 * the word changed (look at the lock again), false if the caller should block. Thread
 * context, preemption enabled (it may be disabled inside).
 */
bool adaptive_spin(const volatile unsigned long *word, unsigned long owner, unsigned long mask,
		   unsigned long long limit_ns = 0);

/*
 * The gate alone, for spin locks whose waiters never block (DragonFly spinlocks: a waiter
 * spins in the lock's critical section, preemption off, until it has the lock). Returns true
 * once the caller is the head of word's gate (it then polls the word itself and leaves with
 * adaptive_gate_leave once it has the lock), after polling the gate while another head of
 * the same word held it; false at once if the gate is held for another lock's word (poll
 * the word without the gate). `spins` counts the passes (lock profiling, SpinCount).
 * Thread context with preemption off, and the caller's head must be so too: a head is then
 * never preempted, only interrupted, and leaves when it has the lock; interrupt context
 * must not call it (the thread it interrupted may be the head it would wait for).
 */
bool adaptive_gate_enter(const volatile unsigned long *word, unsigned long *spins);

/* For the KUnit suites (include/bsdsync/testing.h) and adaptive_gate_enter's heads: hold /
 * release the gate of `word` as a head would, and the gate's current head. */
bool adaptive_gate_claim(const volatile unsigned long *word);
void adaptive_gate_leave(const volatile unsigned long *word);
const volatile unsigned long *adaptive_gate_head(const volatile unsigned long *word);

} // namespace bsdsync

#endif
