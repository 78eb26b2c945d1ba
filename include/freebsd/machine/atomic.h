/*
 * <machine/atomic.h> for drivers ported from FreeBSD: atomic(9) on x86-64.
 *
 * Every operation is a static inline function over a GCC __atomic builtin, type-checked against
 * the FreeBSD prototype (volatile u_int *, volatile u_long *, ...). No Linux header is needed, and
 * no name here is a Linux name: every FreeBSD name carries a type suffix (_int, _long, _ptr, _8,
 * _16, _32, _64, _char, _short), which Linux's atomic_add(), atomic_long_*() and atomic64_*() do
 * not, so a driver may include Linux headers before or after this one. The __atomic builtins also
 * keep KCSAN informed: it sees these as atomic accesses, not data races.
 *
 * Types: int = u_int, long = u_long, ptr = uintptr_t, 32 = uint32_t, 64 = uint64_t (unsigned long
 * long in the Linux kernel, see <sys/types.h>), and amd64's machine-dependent char = u_char,
 * short = u_short, 8 = uint8_t, 16 = uint16_t.
 *
 * Ordering. atomic(9) promises: no suffix, atomic but orders no other access; _acq, later loads
 * and stores stay after it; _rel, earlier loads and stores stay before it. As __atomic memory
 * orders, this header gives:
 *
 *   read-modify-write, any suffix       SEQ_CST  add, subtract, set, clear, cmpset, fcmpset,
 *                                                fetchadd, swap, readandclear, testandset,
 *                                                testandclear: a full barrier for the compiler,
 *                                                as the locked instruction is for the CPU
 *   atomic_load_acq_<t>                 ACQUIRE  a plain mov (TSO: every load is an acquire)
 *   atomic_store_rel_<t>                RELEASE  a plain mov (TSO: every store is a release)
 *   atomic_load_<t>, atomic_store_<t>   RELAXED  a plain mov; the compiler may move other
 *                                                accesses across it
 *
 * On x86-64 every read-modify-write is a locked instruction (lock add/sub/or/and/xadd/cmpxchg/
 * bts/btr, or xchg), already a full barrier on the CPU, so its order only tells the compiler
 * what it may move across the operation, and SEQ_CST emits the same instruction as RELAXED
 * would. Read-modify-writes are SEQ_CST whatever their suffix because FreeBSD amd64's are
 * compiler barriers too (its inline asm clobbers "memory" in cmpset, fcmpset and every _acq/_rel
 * operation), and ported code relies on it: a driver's hand-rolled lock taken with an
 * unsuffixed atomic_cmpset_int, a flag handed over with atomic_swap_int. That is stronger than
 * atomic(9) promises (code meant to be portable still writes the suffix it needs) and costs
 * nothing. scripts/check-atomic-orders.py checks this table against what the compiler is given,
 * function by function.
 *
 * cmpset and fcmpset use a strong compare-exchange (never fails spuriously, although atomic(9)
 * allows fcmpset to). A failed one is SEQ_CST too (a failed lock cmpxchg is still a locked
 * instruction, and a loop around it must not have its other accesses moved across it).
 *
 * Fences (FreeBSD semantics: unlike C11 they also order plain aligned loads and stores; GCC
 * compiles every non-relaxed __atomic fence as a compiler memory barrier, so they do):
 *   atomic_thread_fence_acq()      ACQUIRE  no instruction, compiler barrier (TSO orders loads)
 *   atomic_thread_fence_rel()      RELEASE  no instruction, compiler barrier (TSO orders stores)
 *   atomic_thread_fence_acq_rel()  ACQ_REL  no instruction, compiler barrier; NOT a full barrier
 *   atomic_thread_fence_seq_cst()  SEQ_CST  lock or $0,(%rsp) (or mfence): the one fence that needs
 *                                           an instruction, for store -> later load ordering
 *   atomic_interrupt_fence()       compiler barrier only, against interrupt handlers on this CPU
 *
 * Plain atomic_load_<t>()/atomic_store_<t>() are relaxed single accesses (a mov, never torn), and
 * like FreeBSD's <sys/atomic_common.h> they accept the signed or the unsigned type and return the
 * type of the object (so atomic_load_int() of an int that holds -1 compares < 0). In C that is a
 * _Generic over two functions, in C++ two overloads. atomic_load_ptr()/atomic_store_ptr() take a
 * pointer to any pointer-sized object (a `struct foo *` field or a uintptr_t), as FreeBSD's do.
 *
 * What FreeBSD amd64 has, and so what this header has:
 *   add, subtract, set, clear, cmpset, fcmpset [_acq|_rel]: char short int long 8 16 32 64 ptr
 *   load_acq, store_rel, atomic_load, atomic_store:         char short int long 8 16 32 64 ptr
 *   fetchadd:                                                int long 32 64 (no ptr, no barriers)
 *   swap, readandclear:                                      int long 32 64 ptr (no barriers)
 *   testandset, testandclear:                                int long 32 64 (no barriers), plus
 *                                                            atomic_testandset_acq_long
 *   atomic_load_bool/atomic_store_bool, atomic_load_consume_ptr, and the five fences.
 * Not provided: FreeBSD amd64's mb()/wmb()/rmb() (Linux defines the same names with the same
 * x86 meaning) and the amd64-internal atomic_<op>_barr_<type> helpers.
 */
#ifndef _BSDSYNC_FREEBSD_MACHINE_ATOMIC_H_
#define _BSDSYNC_FREEBSD_MACHINE_ATOMIC_H_

#include <sys/types.h>

#define _BSDSYNC_ATOMIC_INLINE static __inline__ __attribute__((__always_inline__))

/*
 * add, subtract, set (|=), clear (&= ~): void, one function per ordering. The builtin's result is
 * unused, so GCC emits lock add/sub/or/and rather than a fetching xadd or a cmpxchg loop.
 */
#define _BSDSYNC_ATOMIC_OP(NAME, ORD, SFX, T, BUILTIN, OPERAND, MO)				\
	_BSDSYNC_ATOMIC_INLINE void atomic_##NAME##ORD##_##SFX(volatile T *p, T v)		\
	{											\
		(void)BUILTIN(p, OPERAND, MO);							\
	}

/*
 * cmpset returns 1 and stores src if *dst == expect, else returns 0. fcmpset is the same with
 * *expect, and on failure writes the value it found to *expect (the builtin does exactly that).
 */
#define _BSDSYNC_ATOMIC_CMPSET(ORD, SFX, T, MO, FAIL_MO)					\
	_BSDSYNC_ATOMIC_INLINE int atomic_cmpset##ORD##_##SFX(volatile T *dst, T expect, T src)	\
	{											\
		return __atomic_compare_exchange_n(dst, &expect, src, 0, MO, FAIL_MO);		\
	}											\
	_BSDSYNC_ATOMIC_INLINE int atomic_fcmpset##ORD##_##SFX(volatile T *dst, T *expect,	\
	    T src)										\
	{											\
		return __atomic_compare_exchange_n(dst, expect, src, 0, MO, FAIL_MO);		\
	}

/*
 * Every family FreeBSD amd64 offers for all nine types, in the three orderings. The order of a
 * read-modify-write is _BSDSYNC_ATOMIC_RMW whatever the suffix (see the top).
 */
#define _BSDSYNC_ATOMIC_RMW	__ATOMIC_SEQ_CST
#define _BSDSYNC_ATOMIC_ORDERED(ORD, SFX, T)							\
	_BSDSYNC_ATOMIC_OP(add, ORD, SFX, T, __atomic_fetch_add, v, _BSDSYNC_ATOMIC_RMW)	\
	_BSDSYNC_ATOMIC_OP(subtract, ORD, SFX, T, __atomic_fetch_sub, v, _BSDSYNC_ATOMIC_RMW)	\
	_BSDSYNC_ATOMIC_OP(set, ORD, SFX, T, __atomic_fetch_or, v, _BSDSYNC_ATOMIC_RMW)		\
	_BSDSYNC_ATOMIC_OP(clear, ORD, SFX, T, __atomic_fetch_and, (T)~v, _BSDSYNC_ATOMIC_RMW)	\
	_BSDSYNC_ATOMIC_CMPSET(ORD, SFX, T, _BSDSYNC_ATOMIC_RMW, _BSDSYNC_ATOMIC_RMW)

#define _BSDSYNC_ATOMIC_ALL_TYPES(SFX, T)							\
	_BSDSYNC_ATOMIC_ORDERED(, SFX, T)							\
	_BSDSYNC_ATOMIC_ORDERED(_acq, SFX, T)							\
	_BSDSYNC_ATOMIC_ORDERED(_rel, SFX, T)							\
												\
	/* A plain mov on x86-64 either way (TSO); the order binds the compiler. */		\
	_BSDSYNC_ATOMIC_INLINE T atomic_load_acq_##SFX(const volatile T *p)			\
	{											\
		return __atomic_load_n(p, __ATOMIC_ACQUIRE);					\
	}											\
	_BSDSYNC_ATOMIC_INLINE void atomic_store_rel_##SFX(volatile T *p, T v)			\
	{											\
		__atomic_store_n(p, v, __ATOMIC_RELEASE);					\
	}

/* fetchadd: returns the old value; no suffixed variants (lock xadd). */
#define _BSDSYNC_ATOMIC_FETCHADD(SFX, T)							\
	_BSDSYNC_ATOMIC_INLINE T atomic_fetchadd_##SFX(volatile T *p, T v)			\
	{											\
		return __atomic_fetch_add(p, v, _BSDSYNC_ATOMIC_RMW);				\
	}

/* swap and readandclear: return the old value; no suffixed variants (xchg, implicitly
 * locked). */
#define _BSDSYNC_ATOMIC_SWAP(SFX, T)								\
	_BSDSYNC_ATOMIC_INLINE T atomic_swap_##SFX(volatile T *p, T v)				\
	{											\
		return __atomic_exchange_n(p, v, _BSDSYNC_ATOMIC_RMW);				\
	}											\
	_BSDSYNC_ATOMIC_INLINE T atomic_readandclear_##SFX(volatile T *p)			\
	{											\
		return __atomic_exchange_n(p, (T)0, _BSDSYNC_ATOMIC_RMW);			\
	}

/*
 * testandset/testandclear: bit v modulo the width of the type; return the bit's old value (0 or
 * 1). GCC recognises fetch_or/fetch_and of a single bit followed by a test of that bit and emits
 * lock bts/btr.
 */
#define _BSDSYNC_ATOMIC_TESTANDSET(ORD, SFX, T)							\
	_BSDSYNC_ATOMIC_INLINE int atomic_testandset##ORD##_##SFX(volatile T *p, u_int v)	\
	{											\
		T bit = (T)1 << (v % (sizeof(T) * 8));						\
												\
		return (__atomic_fetch_or(p, bit, _BSDSYNC_ATOMIC_RMW) & bit) != 0;		\
	}
#define _BSDSYNC_ATOMIC_TESTANDCLEAR(ORD, SFX, T)						\
	_BSDSYNC_ATOMIC_INLINE int atomic_testandclear##ORD##_##SFX(volatile T *p, u_int v)	\
	{											\
		T bit = (T)1 << (v % (sizeof(T) * 8));						\
												\
		return (__atomic_fetch_and(p, (T)~bit, _BSDSYNC_ATOMIC_RMW) & bit) != 0;	\
	}

_BSDSYNC_ATOMIC_ALL_TYPES(char, u_char)
_BSDSYNC_ATOMIC_ALL_TYPES(short, u_short)
_BSDSYNC_ATOMIC_ALL_TYPES(int, u_int)
_BSDSYNC_ATOMIC_ALL_TYPES(long, u_long)
_BSDSYNC_ATOMIC_ALL_TYPES(8, uint8_t)
_BSDSYNC_ATOMIC_ALL_TYPES(16, uint16_t)
_BSDSYNC_ATOMIC_ALL_TYPES(32, uint32_t)
_BSDSYNC_ATOMIC_ALL_TYPES(64, uint64_t)
_BSDSYNC_ATOMIC_ALL_TYPES(ptr, uintptr_t)

_BSDSYNC_ATOMIC_FETCHADD(int, u_int)
_BSDSYNC_ATOMIC_FETCHADD(long, u_long)
_BSDSYNC_ATOMIC_FETCHADD(32, uint32_t)
_BSDSYNC_ATOMIC_FETCHADD(64, uint64_t)

_BSDSYNC_ATOMIC_SWAP(int, u_int)
_BSDSYNC_ATOMIC_SWAP(long, u_long)
_BSDSYNC_ATOMIC_SWAP(32, uint32_t)
_BSDSYNC_ATOMIC_SWAP(64, uint64_t)
_BSDSYNC_ATOMIC_SWAP(ptr, uintptr_t)

_BSDSYNC_ATOMIC_TESTANDSET(, int, u_int)
_BSDSYNC_ATOMIC_TESTANDSET(, long, u_long)
_BSDSYNC_ATOMIC_TESTANDSET(, 32, uint32_t)
_BSDSYNC_ATOMIC_TESTANDSET(, 64, uint64_t)
/* amd64 offers this one acquire variant (a try-lock on a bit of a long). */
_BSDSYNC_ATOMIC_TESTANDSET(_acq, long, u_long)
_BSDSYNC_ATOMIC_TESTANDCLEAR(, int, u_int)
_BSDSYNC_ATOMIC_TESTANDCLEAR(, long, u_long)
_BSDSYNC_ATOMIC_TESTANDCLEAR(, 32, uint32_t)
_BSDSYNC_ATOMIC_TESTANDCLEAR(, 64, uint64_t)

/*
 * Plain relaxed atomic_load_<t>/atomic_store_<t>, for the signed and the unsigned type of each
 * width. C++ overloads them under the FreeBSD name; C names them apart (TAG s or u) and selects
 * with _Generic below.
 */
#ifdef __cplusplus
#define _BSDSYNC_ATOMIC_RELAXED_NAME(OP, TAG, SFX) atomic_##OP##_##SFX
#else
#define _BSDSYNC_ATOMIC_RELAXED_NAME(OP, TAG, SFX) __bsdsync_atomic_##OP##_##TAG##_##SFX
#endif
#define _BSDSYNC_ATOMIC_RELAXED(TAG, SFX, T)							\
	_BSDSYNC_ATOMIC_INLINE T _BSDSYNC_ATOMIC_RELAXED_NAME(load, TAG, SFX)(const volatile T *p) \
	{											\
		return __atomic_load_n(p, __ATOMIC_RELAXED);					\
	}											\
	_BSDSYNC_ATOMIC_INLINE void _BSDSYNC_ATOMIC_RELAXED_NAME(store, TAG, SFX)(volatile T *p, \
	    T v)										\
	{											\
		__atomic_store_n(p, v, __ATOMIC_RELAXED);					\
	}

_BSDSYNC_ATOMIC_RELAXED(s, char, char)
_BSDSYNC_ATOMIC_RELAXED(u, char, u_char)
_BSDSYNC_ATOMIC_RELAXED(s, short, short)
_BSDSYNC_ATOMIC_RELAXED(u, short, u_short)
_BSDSYNC_ATOMIC_RELAXED(s, int, int)
_BSDSYNC_ATOMIC_RELAXED(u, int, u_int)
_BSDSYNC_ATOMIC_RELAXED(s, long, long)
_BSDSYNC_ATOMIC_RELAXED(u, long, u_long)
_BSDSYNC_ATOMIC_RELAXED(s, 8, int8_t)
_BSDSYNC_ATOMIC_RELAXED(u, 8, uint8_t)
_BSDSYNC_ATOMIC_RELAXED(s, 16, int16_t)
_BSDSYNC_ATOMIC_RELAXED(u, 16, uint16_t)
_BSDSYNC_ATOMIC_RELAXED(s, 32, int32_t)
_BSDSYNC_ATOMIC_RELAXED(u, 32, uint32_t)
_BSDSYNC_ATOMIC_RELAXED(s, 64, int64_t)
_BSDSYNC_ATOMIC_RELAXED(u, 64, uint64_t)

#ifdef __cplusplus
#define _BSDSYNC_ATOMIC_BOOL bool
#else
#define _BSDSYNC_ATOMIC_BOOL _Bool
#endif

_BSDSYNC_ATOMIC_INLINE _BSDSYNC_ATOMIC_BOOL atomic_load_bool(const volatile _BSDSYNC_ATOMIC_BOOL *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

_BSDSYNC_ATOMIC_INLINE void atomic_store_bool(volatile _BSDSYNC_ATOMIC_BOOL *p,
    _BSDSYNC_ATOMIC_BOOL v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

#ifndef __cplusplus
/* _Generic drops the qualifiers of *(p) (lvalue conversion), so volatile objects select too. */
#define _BSDSYNC_ATOMIC_GENERIC(OP, SFX, ST, UT, p)						\
	_Generic(*(p),										\
	    ST: __bsdsync_atomic_##OP##_s_##SFX,						\
	    UT: __bsdsync_atomic_##OP##_u_##SFX)
#define atomic_load_char(p)	_BSDSYNC_ATOMIC_GENERIC(load, char, char, u_char, p)(p)
#define atomic_load_short(p)	_BSDSYNC_ATOMIC_GENERIC(load, short, short, u_short, p)(p)
#define atomic_load_int(p)	_BSDSYNC_ATOMIC_GENERIC(load, int, int, u_int, p)(p)
#define atomic_load_long(p)	_BSDSYNC_ATOMIC_GENERIC(load, long, long, u_long, p)(p)
#define atomic_load_8(p)	_BSDSYNC_ATOMIC_GENERIC(load, 8, int8_t, uint8_t, p)(p)
#define atomic_load_16(p)	_BSDSYNC_ATOMIC_GENERIC(load, 16, int16_t, uint16_t, p)(p)
#define atomic_load_32(p)	_BSDSYNC_ATOMIC_GENERIC(load, 32, int32_t, uint32_t, p)(p)
#define atomic_load_64(p)	_BSDSYNC_ATOMIC_GENERIC(load, 64, int64_t, uint64_t, p)(p)
#define atomic_store_char(p, v)	_BSDSYNC_ATOMIC_GENERIC(store, char, char, u_char, p)(p, v)
#define atomic_store_short(p, v) _BSDSYNC_ATOMIC_GENERIC(store, short, short, u_short, p)(p, v)
#define atomic_store_int(p, v)	_BSDSYNC_ATOMIC_GENERIC(store, int, int, u_int, p)(p, v)
#define atomic_store_long(p, v)	_BSDSYNC_ATOMIC_GENERIC(store, long, long, u_long, p)(p, v)
#define atomic_store_8(p, v)	_BSDSYNC_ATOMIC_GENERIC(store, 8, int8_t, uint8_t, p)(p, v)
#define atomic_store_16(p, v)	_BSDSYNC_ATOMIC_GENERIC(store, 16, int16_t, uint16_t, p)(p, v)
#define atomic_store_32(p, v)	_BSDSYNC_ATOMIC_GENERIC(store, 32, int32_t, uint32_t, p)(p, v)
#define atomic_store_64(p, v)	_BSDSYNC_ATOMIC_GENERIC(store, 64, int64_t, uint64_t, p)(p, v)
#endif

/*
 * Pointer-typed relaxed access, any pointer-sized object (FreeBSD uses __typeof here too). The
 * builtins reject a p that is not a pointer to a scalar. atomic_load_consume_ptr is FreeBSD's
 * stand-in for a consume load, an acquire load (a mov).
 */
#define atomic_load_ptr(p)		__atomic_load_n((p), __ATOMIC_RELAXED)
#define atomic_store_ptr(p, v)		__atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define atomic_load_consume_ptr(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)

/*
 * Fences. acq, rel and acq_rel need no instruction on TSO, only a compiler barrier (which GCC's
 * non-relaxed fences are, for plain accesses too). seq_cst adds the store -> later load order TSO
 * lacks: a locked instruction or mfence.
 */
_BSDSYNC_ATOMIC_INLINE void atomic_thread_fence_acq(void)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
}

_BSDSYNC_ATOMIC_INLINE void atomic_thread_fence_rel(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

_BSDSYNC_ATOMIC_INLINE void atomic_thread_fence_acq_rel(void)
{
	__atomic_thread_fence(__ATOMIC_ACQ_REL);
}

_BSDSYNC_ATOMIC_INLINE void atomic_thread_fence_seq_cst(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Orders against an interrupt handler on this CPU: the compiler only, like FreeBSD's. */
_BSDSYNC_ATOMIC_INLINE void atomic_interrupt_fence(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

#undef _BSDSYNC_ATOMIC_RMW
#undef _BSDSYNC_ATOMIC_OP
#undef _BSDSYNC_ATOMIC_CMPSET
#undef _BSDSYNC_ATOMIC_ORDERED
#undef _BSDSYNC_ATOMIC_ALL_TYPES
#undef _BSDSYNC_ATOMIC_FETCHADD
#undef _BSDSYNC_ATOMIC_SWAP
#undef _BSDSYNC_ATOMIC_TESTANDSET
#undef _BSDSYNC_ATOMIC_TESTANDCLEAR
#undef _BSDSYNC_ATOMIC_RELAXED
#undef _BSDSYNC_ATOMIC_RELAXED_NAME
#undef _BSDSYNC_ATOMIC_BOOL
#undef _BSDSYNC_ATOMIC_INLINE

#endif /* !_BSDSYNC_FREEBSD_MACHINE_ATOMIC_H_ */
