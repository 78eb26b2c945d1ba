/*
 * The out-of-line parts of the per-CPU spin record (core/spin.h).
 */
#include "core/spin.h"

void bsdsync_spin_untrack_slow(struct bsdsync_spin_cpu *spin_rec, const void *lock)
{
	struct bsdsync_spin_held *h = &spin_rec->held;
	int n = h->count < BSDSYNC_SPIN_TRACK ? h->count : BSDSYNC_SPIN_TRACK;

	/* Spin locks may be released in any order: remove the newest entry of this one
	 * wherever it is (none if it was entered beyond the tracked depth, or unnamed). The
	 * slot freed at the top is left null (spin.h: slots at and above the depth are null;
	 * if untracked ones remain, the last slot is unknown: empty, not wrong). */
	int i;
	for (i = n - 1; i >= 0; i--) {
		if (h->lock[i] == lock) {
			for (int j = i; j < n - 1; j++)
				h->lock[j] = h->lock[j + 1];
			h->lock[n - 1] = nullptr;
			break;
		}
	}
	/* Not below the depth: an unnamed level (the inline mtx_lock_spin) under it was
	 * released first and left its name above the depth; clear it there. */
	if (i < 0 && lock) {
		for (i = n; i < BSDSYNC_SPIN_TRACK; i++) {
			if (h->lock[i] == lock) {
				h->lock[i] = nullptr;
				break;
			}
		}
	}
	h->count--;
}

enum bsdsync_context bsdsync_context_without_spin(void)
{
	if (!bsdsync_irqs_disabled())
		return bsdsync_current_context();
	/* Interrupts are off, so this CPU's record is stable while we look at it. */
	const struct bsdsync_spin_cpu *spin_rec = bsdsync_spin_cpu_this();
	if (spin_rec->held.count == 0)
		return bsdsync_current_context();
	return bsdsync_context_restoring(spin_rec->saved_flags, spin_rec->held.count);
}
