/*
 * Adaptive spinning and the spinner gates (core/adaptive.h has the design).
 */
#include "core/adaptive.h"
#include "core/lock_profile.h"

namespace bsdsync {
namespace {

struct alignas(BSDSYNC_CACHELINE) Gate {
	const volatile unsigned long *head;	/* the word its head polls, or null */
};
Gate gates[BSDSYNC_SPIN_GATES];

Gate &gate_of(const volatile unsigned long *word)
{
	uintptr a = reinterpret_cast<uintptr>(word);
	/* Locks are at least word-aligned and often a cache line apart: fold the bits above
	 * the line offset and above the page offset. */
	return gates[((a >> 6) ^ (a >> 12)) % BSDSYNC_SPIN_GATES];
}

bool claim(Gate &g, const volatile unsigned long *word)
{
	const volatile unsigned long *none = nullptr;
	return cas_relaxed(&g.head, &none, word);
}

} // namespace

bool adaptive_spin(const volatile unsigned long *word, unsigned long owner, unsigned long mask,
		   unsigned long long limit_ns)
{
	Gate &g = gate_of(word);
	SpinCount spins;	/* every pass, on the word or on the gate */
	/* One deadline for the whole call, head or waiter on the gate: the bound is on how long
	 * this caller watches this owner. */
	unsigned long long deadline = limit_ns ? bsdsync_spin_clock_ns() + limit_ns : 0;

	for (;;) {
		const volatile unsigned long *head = load_relaxed(&g.head);
		if (head == nullptr) {
			if (!claim(g, word))
				continue;
			/* The head. The word first: a release while we waited on the gate. */
			bsdsync_preempt_disable();
			bool changed = (load_relaxed(word) & mask) != owner ||
				       bsdsync_spin_while_owner_runs(word, owner, mask, owner,
								     spins.counter(), deadline);
			store_relaxed(&g.head, static_cast<const volatile unsigned long *>(nullptr));
			bsdsync_preempt_enable();
			return changed;
		}
		if (head != word)	/* another lock's gate: poll our own word */
			return bsdsync_spin_while_owner_runs(word, owner, mask, owner,
							     spins.counter(), deadline);
		/* Behind this lock's head: poll the gate, not the word. */
		if (!bsdsync_spin_while_owner_runs(reinterpret_cast<const volatile unsigned long *>(
							   &g.head),
						   reinterpret_cast<uintptr>(word), ~0UL, owner,
						   spins.counter(), deadline))
			return false;
	}
}

bool adaptive_gate_enter(const volatile unsigned long *word, unsigned long *spins)
{
	Gate &g = gate_of(word);

	for (;;) {
		const volatile unsigned long *head = load_relaxed(&g.head);
		if (head == nullptr) {
			if (claim(g, word))
				return true;
			continue;
		}
		if (head != word)	/* another lock's gate: poll our own word */
			return false;
		/* Behind this lock's head: poll the gate, not the word. */
		bsdsync_cpu_relax();
		store_relaxed(spins, load_relaxed(spins) + 1);
	}
}

bool adaptive_gate_claim(const volatile unsigned long *word)
{
	return claim(gate_of(word), word);
}

void adaptive_gate_leave(const volatile unsigned long *word)
{
	store_relaxed(&gate_of(word).head, static_cast<const volatile unsigned long *>(nullptr));
}

const volatile unsigned long *adaptive_gate_head(const volatile unsigned long *word)
{
	return load_relaxed(&gate_of(word).head);
}

} // namespace bsdsync
