/*
 * <sys/cdefs.h> for ported FreeBSD drivers: the compiler-attribute vocabulary FreeBSD kernel
 * files use (__FBSDID, __unused, __predict_false, __aligned, __containerof, ...).
 *
 * Names Linux's <linux/compiler*.h> also defines (__packed, __aligned, __used, __printf...)
 * are defined here only when Linux has not defined them, and Linux defines them without a
 * guard: this header therefore includes <linux/compiler.h> first (a ported driver is a Linux
 * module: it is there anyway), so both orders of inclusion compile. Where both define a
 * name, the meanings agree (an attribute of the same effect).
 *
 * INVARIANTS: FreeBSD's debug-kernel option (opt_global.h) turns on KASSERT and the checks
 * written under #ifdef INVARIANTS. bsdsync builds drivers like a debug kernel by default:
 * INVARIANTS and INVARIANT_SUPPORT are defined here, the first header every FreeBSD header
 * includes, unless the driver's Kbuild passes -DBSDSYNC_NO_INVARIANTS. A failed KASSERT is
 * a bsdsync report, not a panic (<sys/systm.h>).
 */
#ifndef _BSDSYNC_FREEBSD_SYS_CDEFS_H_
#define _BSDSYNC_FREEBSD_SYS_CDEFS_H_

#ifdef __KERNEL__
#include <linux/compiler.h>
/*
 * FreeBSD's __unused is an attribute; a few Linux headers use the word as a name (a struct
 * member, a parameter). The ones a driver module pulls in (struct stat's padding through
 * <linux/module.h>, struct __sysctl_args through <linux/sysctl.h>, struct icmphdr through
 * the network headers) are included here, before the macro exists, so including them
 * again later is a no-op. The rest that do (<net/ip6_fib.h>, <net/tcp_ao.h>,
 * <vdso/datapage.h>, <asm/setup_data.h>) must be included before the first FreeBSD header.
 */
#include <asm/stat.h>
#include <uapi/linux/sysctl.h>
#include <uapi/linux/icmp.h>
#endif

#if !defined(BSDSYNC_NO_INVARIANTS) && !defined(INVARIANTS)
#define INVARIANTS 1
#endif
#if defined(INVARIANTS) && !defined(INVARIANT_SUPPORT)
#define INVARIANT_SUPPORT 1
#endif

#define __BEGIN_DECLS	BSDSYNC_BEGIN_DECLS
#define __END_DECLS	BSDSYNC_END_DECLS

/* Ids and version strings: compiled away (FreeBSD puts them in a .comment section). */
#define __FBSDID(s)		struct __hack
#define __RCSID(s)		struct __hack
#define __IDSTRING(name, s)	struct __hack
#define __COPYRIGHT(s)		struct __hack
#define __SCCSID(s)		struct __hack

#define __CONCAT1(x, y)		x ## y
/* Spelled token for token as Linux spells it (<linux/args.h> in 6.12, <linux/kernel.h> in
 * 6.1, unguarded), so either may come first. Unlike FreeBSD's, the arguments are pasted
 * without being macro-expanded first; __CONCAT1 is no different, and FreeBSD code pastes
 * plain identifiers. */
#define __CONCAT(a, b) a ## b
#define __STRING(x)		#x
#define __XSTRING(x)		__STRING(x)

#define __unused		__attribute__((__unused__))
#ifndef __used
#define __used			__attribute__((__used__))
#endif
#ifndef __packed
#define __packed		__attribute__((__packed__))
#endif
#ifndef __aligned
#define __aligned(x)		__attribute__((__aligned__(x)))
#endif
#ifndef __section
#define __section(x)		__attribute__((__section__(x)))
#endif
#ifndef __weak_symbol
#define __weak_symbol		__attribute__((__weak__))
#endif
#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#ifndef __noinline
#define __noinline		__attribute__((__noinline__))
#endif
#ifndef __pure
#define __pure			__attribute__((__pure__))
#endif
#define __pure2			__attribute__((__const__))
#define __dead2			__attribute__((__noreturn__))
#ifndef __malloc_like
#define __malloc_like		__attribute__((__malloc__))
#endif
#define __result_use_check	__attribute__((__warn_unused_result__))
#define __returns_twice		__attribute__((__returns_twice__))
#define __nonnull(x)		__attribute__((__nonnull__ x))
#define __nonnull_all		__attribute__((__nonnull__))
#ifndef __alloc_size	/* Linux: __alloc_size(x, ...), the same attribute */
#define __alloc_size(x)		__attribute__((__alloc_size__(x)))
#endif
#define __alloc_size2(n, x)	__attribute__((__alloc_size__(n, x)))
#define __alloc_align(x)	__attribute__((__alloc_align__(x)))
#define __printflike(fmtarg, firstvararg)					\
	__attribute__((__format__(__printf__, fmtarg, firstvararg)))
#define __scanflike(fmtarg, firstvararg)					\
	__attribute__((__format__(__scanf__, fmtarg, firstvararg)))
#define __format_arg(fmtarg)	__attribute__((__format_arg__(fmtarg)))
#define __printf0like(fmtarg, firstvararg)
#define __exported		__attribute__((__visibility__("default")))
#define __hidden		__attribute__((__visibility__("hidden")))
#define __nodebug		__attribute__((__nodebug__))
#define __nosanitizeaddress	__attribute__((__no_sanitize_address__))
#define __nosanitizethread	__attribute__((__no_sanitize_thread__))
#define __nosanitizememory
#define __nosanitizecoverage	__attribute__((__no_sanitize_coverage__))
#define __lockable
#define __locks_exclusive(...)
#define __locks_shared(...)
#define __trylocks_exclusive(...)
#define __trylocks_shared(...)
#define __unlocks(...)
#define __asserts_exclusive(...)
#define __asserts_shared(...)
#define __requires_exclusive(...)
#define __requires_shared(...)
#define __requires_unlocked(...)
#define __no_lock_analysis
#define __guarded_by(x)
#define __pt_guarded_by(x)
#define __generic(expr, t, yes, no)	_Generic(expr, t: yes, default: no)

/* A variable used only by a KASSERT (or other INVARIANTS code). */
#ifdef INVARIANTS
#define __diagused
#else
#define __diagused		__unused
#endif

#define __predict_true(exp)	__builtin_expect(!!(exp), 1)
#define __predict_false(exp)	__builtin_expect(!!(exp), 0)

#define __offsetof(type, field)	__builtin_offsetof(type, field)
#define __rangeof(type, start, end)						\
	(__offsetof(type, end) - __offsetof(type, start))
/* The struct of type `type` whose member `field` is at x (FreeBSD's checks the type). */
#define __containerof(x, s, m) ({						\
	const volatile __typeof(((s *)0)->m) *__x = (x);			\
	(s *)(void *)((const volatile char *)__x - __offsetof(s, m));		\
})

/* Casts that drop a qualifier, without the compiler's cast-qual warning. */
#define __DECONST(type, var)	((type)(__UINTPTR_TYPE__)(const void *)(var))
#define __DEVOLATILE(type, var)	((type)(__UINTPTR_TYPE__)(volatile void *)(var))
#define __DEQUALIFY(type, var)	((type)(__UINTPTR_TYPE__)(const volatile void *)(var))

#define __min_size(x)		static (x)
#define __compiler_membar()	__asm__ __volatile__("" : : : "memory")

#define __GNUC_PREREQ__(ma, mi)							\
	(__GNUC__ > (ma) || (__GNUC__ == (ma) && __GNUC_MINOR__ >= (mi)))
#define __CC_SUPPORTS___INLINE	1
#define __CC_SUPPORTS_VARADIC_XXX 1

/* __FreeBSD__ is not defined: Linux's own headers test it (ACPI's acenv.h would pick the
 * FreeBSD userland environment). */

#endif /* !_BSDSYNC_FREEBSD_SYS_CDEFS_H_ */
