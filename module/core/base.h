/*
 * Freestanding C++ basics for the bsdsync core: no libstdc++, no Linux headers.
 *
 * Memory-model mapping (kernel-cxx.md, checked on x86-64 with gcc 12):
 *   READ_ONCE/WRITE_ONCE      -> load_relaxed/store_relaxed      (mov)
 *   smp_load_acquire          -> load_acquire                    (mov)
 *   smp_store_release         -> store_release                   (mov)
 *   cmpxchg (fully ordered)   -> cas with the orderings named at each call site (lock cmpxchg)
 *   smp_mb                    -> full_fence                      (lock or)
 */
#ifndef BSDSYNC_CORE_BASE_H
#define BSDSYNC_CORE_BASE_H

#include <bsdsync/types.h>
#include "platform/platform.h"
#include "core/spin.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define BSDSYNC_COLD __attribute__((cold, noinline))
#define BSDSYNC_NOINLINE __attribute__((noinline))
#define BSDSYNC_ALWAYS_INLINE inline __attribute__((always_inline))
#define BSDSYNC_CACHELINE 64

namespace bsdsync {

using uintptr = unsigned long;
using u64 = unsigned long long;
using s64 = long long;

template <typename T> inline T load_relaxed(const volatile T *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}
template <typename T> inline T load_acquire(const volatile T *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}
template <typename T> inline void store_relaxed(volatile T *p, T v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}
template <typename T> inline void store_release(volatile T *p, T v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}
/* Compare-and-swap; on failure *expected receives the value seen. */
template <typename T> inline bool cas_acquire(volatile T *p, T *expected, T desired)
{
	return __atomic_compare_exchange_n(p, expected, desired, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}
template <typename T> inline bool cas_release(volatile T *p, T *expected, T desired)
{
	return __atomic_compare_exchange_n(p, expected, desired, false, __ATOMIC_RELEASE,
					   __ATOMIC_RELAXED);
}
template <typename T> inline bool cas_relaxed(volatile T *p, T *expected, T desired)
{
	return __atomic_compare_exchange_n(p, expected, desired, false, __ATOMIC_RELAXED,
					   __ATOMIC_RELAXED);
}
template <typename T> inline T fetch_or_relaxed(volatile T *p, T v)
{
	return __atomic_fetch_or(p, v, __ATOMIC_RELAXED);
}
template <typename T> inline T fetch_and_relaxed(volatile T *p, T v)
{
	return __atomic_fetch_and(p, v, __ATOMIC_RELAXED);
}
inline void full_fence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

inline thread *curthread() { return bsdsync_curthread_fast(); }

/* Nanoseconds in a signed 32.32 fixed-point second count, without overflowing. */
inline u64 sbt_to_ns(s64 sbt)
{
	if (sbt <= 0)
		return 0;
	u64 s = (u64)sbt >> 32, frac = (u64)sbt & 0xffffffffULL;
	return s * 1000000000ULL + ((frac * 1000000000ULL) >> 32);
}
inline s64 ns_to_sbt(u64 ns)
{
	u64 s = ns / 1000000000ULL, rem = ns % 1000000000ULL;
	return (s64)((s << 32) + ((rem << 32) / 1000000000ULL));
}

/* RAII: interrupts off on this CPU for the scope. */
class IrqGuard {
public:
	IrqGuard() : flags_(bsdsync_irq_save()) {}
	~IrqGuard() { bsdsync_irq_restore(flags_); }
	IrqGuard(const IrqGuard &) = delete;
	IrqGuard &operator=(const IrqGuard &) = delete;

private:
	unsigned long flags_;
};

} // namespace bsdsync

#endif
