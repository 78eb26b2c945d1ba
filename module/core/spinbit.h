/*
 * The interrupt-safe spin bit of the core: the one lock bsdsync's own bookkeeping spins on
 * (a wait-queue chain, core/waitq.h; a thread's priority record and the deferred-restore
 * list, core/prio.cpp). Not a lock for drivers: FreeBSD's spin mutexes have their own word.
 *
 * Contract:
 *  - Held with interrupts off on this CPU, from before the bit is taken until after it is
 *    released (IrqSpinGuard does both). A holder is then never interrupted, or preempted,
 *    by code that spins on the same bit on the same CPU (wakeup(9) may run in an interrupt
 *    and take a chain), so the spin always ends.
 *  - Held only across plain loads and stores, list updates, RCU reference taking and
 *    remote wakeups: never across anything that sleeps or waits for another CPU.
 *  - Acquire/release pairing: the exchange that takes the bit is an acquire and pairs with
 *    the release store that freed it last (release()); everything the previous holder did
 *    under the bit is visible to the next one. Nothing else orders through the bit.
 *  - Test-and-test-and-set: a spinner waits on a plain load so the cache line stays shared
 *    until the holder's release store.
 *
 * The word is zero when free, so a zeroed (or constinit) record starts unlocked.
 */
#ifndef BSDSYNC_CORE_SPINBIT_H
#define BSDSYNC_CORE_SPINBIT_H

#include "platform/platform.h"

namespace bsdsync {

class IrqSpinBit {
public:
	/* Take the bit, spinning as long as needed. Interrupts already off (caller). */
	void acquire()
	{
		/* Acquire: pairs with the release store in release() of the last holder. */
		while (__atomic_exchange_n(&word_, 1UL, __ATOMIC_ACQUIRE) != 0) {
			while (__atomic_load_n(&word_, __ATOMIC_RELAXED) != 0)
				bsdsync_cpu_relax();
		}
	}
	/* Take the bit within `spins` attempts; false if it stayed taken. Interrupts already
	 * off. For a walk that holds another bit already (no order between the two: it backs
	 * off instead of deadlocking). */
	bool try_acquire(int spins)
	{
		for (int i = 0; i < spins; i++) {
			/* Acquire: pairs with the release store in release(). */
			if (__atomic_load_n(&word_, __ATOMIC_RELAXED) == 0 &&
			    __atomic_exchange_n(&word_, 1UL, __ATOMIC_ACQUIRE) == 0)
				return true;
			bsdsync_cpu_relax();
		}
		return false;
	}
	/* Free the bit; interrupts stay as they are (caller restores them). Release: pairs
	 * with the acquire exchange of the next holder. */
	void release() { __atomic_store_n(&word_, 0UL, __ATOMIC_RELEASE); }

private:
	volatile unsigned long word_;
};

/* Interrupts off and the bit held for the scope, or until unlock(). */
class IrqSpinGuard {
public:
	explicit IrqSpinGuard(IrqSpinBit &bit) : bit_(&bit), flags_(bsdsync_irq_save())
	{
		bit.acquire();
	}
	~IrqSpinGuard() { unlock(); }
	void unlock()
	{
		if (!bit_)
			return;
		bit_->release();
		bsdsync_irq_restore(flags_);
		bit_ = nullptr;
	}
	IrqSpinGuard(const IrqSpinGuard &) = delete;
	IrqSpinGuard &operator=(const IrqSpinGuard &) = delete;

private:
	IrqSpinBit *bit_;
	unsigned long flags_;
};

} // namespace bsdsync

#endif
