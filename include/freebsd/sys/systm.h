/*
 * <sys/systm.h> for ported FreeBSD drivers: sleep(9), wakeup(9), pause(9),
 * critical_enter(9), KASSERT/MPASS/CTASSERT, panic(9), printf(9), bcopy/bzero/bcmp and the
 * string functions, unr(9), WITNESS_WARN, spinlock_enter/spinlock_exit.
 *
 * Linux has its own msleep(unsigned int ms) in <linux/delay.h>, and a ported driver may
 * include both. msleep here is a dispatcher on the number of arguments: five arguments
 * are BSD's msleep(chan, mtx, pri, wmesg, timo); one argument names Linux's function
 * (the name inside its own macro expansion is not expanded again). Both headers may be
 * included in either order.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_SYSTM_H_
#define _BSDSYNC_FREEBSD_SYS_SYSTM_H_

#include <sys/cdefs.h>
#include <sys/types.h>
#include <sys/param.h>
#include <sys/callout.h>
#include <sys/_lock.h>
#include <sys/pcpu.h>
#include <bsdsync/freebsd/sleep.h>
#include <bsdsync/freebsd/systm.h>
#ifdef __KERNEL__
/* Linux's string functions (strlen, strcmp, memcpy, bcmp, ...: the same as FreeBSD's), and
 * <linux/kernel.h> for panic()'s declaration, both before the macros below rename anything. */
#include <linux/string.h>
#include <linux/kernel.h>
#endif

#define __BSDSYNC_ARG6(a1, a2, a3, a4, a5, a6, ...) a6

#define _sleep(chan, lock, pri, wmesg, sbt, pr, flags)				\
	fbsd_sleep((chan), (lock), (pri), (wmesg), (sbt), (pr), (flags), LOCK_FILE, LOCK_LINE)

#define tsleep(chan, pri, wmesg, timo)						\
	_sleep((chan), NULL, (pri), (wmesg), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK)
#define tsleep_sbt(chan, pri, wmesg, bt, pr, flags)				\
	_sleep((chan), NULL, (pri), (wmesg), (bt), (pr), (flags))

#define __bsd_msleep(chan, mtx, pri, wmesg, timo)				\
	_sleep((chan), &(mtx)->lock_object, (pri), (wmesg), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK)
#define msleep(...)								\
	__BSDSYNC_ARG6(__VA_ARGS__, __bsd_msleep, msleep, msleep, msleep, msleep)(__VA_ARGS__)
#define msleep_sbt(chan, mtx, pri, wmesg, bt, pr, flags)			\
	_sleep((chan), &(mtx)->lock_object, (pri), (wmesg), (bt), (pr), (flags))

#define msleep_spin_sbt(chan, mtx, wmesg, bt, pr, flags)			\
	fbsd_msleep_spin_sbt((chan), (mtx), (wmesg), (bt), (pr), (flags), LOCK_FILE, LOCK_LINE)
#define msleep_spin(chan, mtx, wmesg, timo)					\
	msleep_spin_sbt((chan), (mtx), (wmesg), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK)

#define pause_sbt(wmesg, sbt, pr, flags)	fbsd_pause_sbt((wmesg), (sbt), (pr), (flags))
#define pause(wmesg, timo)	pause_sbt((wmesg), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK)
#define pause_sig(wmesg, timo)	pause_sbt((wmesg), fbsd_tick_sbt * (timo), 0, C_HARDCLOCK | C_CATCH)

#define wakeup(chan)		fbsd_wakeup((chan))
#define wakeup_one(chan)	fbsd_wakeup_one((chan))
#define wakeup_any(chan)	fbsd_wakeup_any((chan))

#define critical_enter()	fbsd_critical_enter()
#define critical_exit()		fbsd_critical_exit()

/*
 * KASSERT(exp, (fmt, ...)): checked when INVARIANTS is defined, which <sys/cdefs.h> does by
 * default (a debug kernel's behaviour; -DBSDSYNC_NO_INVARIANTS turns it off, and then, as in
 * FreeBSD, neither exp nor the message is compiled). A failure is one bsdsync report (rule
 * "assertion failed": the expression, the message, file and line, a stack dump) and the
 * caller goes on; FreeBSD would panic, a Linux module must not stop the machine for a
 * driver's check. The message is FreeBSD's parenthesised printf argument list.
 */
#define __bsd_kassert_args(...)	__VA_ARGS__
#ifdef INVARIANTS
#define KASSERT(exp, msg) do {							\
	if (__predict_false(!(exp)))						\
		fbsd_kassert_failed(__FILE__, __LINE__, #exp, __bsd_kassert_args msg); \
} while (0)
#else
#define KASSERT(exp, msg) do {							\
} while (0)
#endif
#define MPASS(ex)		MPASS4(ex, #ex, __FILE__, __LINE__)
#define MPASS2(ex, what)	MPASS4(ex, what, __FILE__, __LINE__)
#define MPASS3(ex, file, line)	MPASS4(ex, #ex, file, line)
#define MPASS4(ex, what, file, line)						\
	KASSERT((ex), ("Assertion %s failed at %s:%d", what, file, line))
#define CTASSERT(x)		_Static_assert(x, "compile-time assertion failed")
#define __assert_unreachable() __builtin_unreachable()

/* panic(9) is Linux's panic() (<linux/kernel.h>, included above): the same prototype
 * (a printf format, no return), and the machine stops, as FreeBSD's does. Linux's format
 * has no %b or %D (FreeBSD extensions). */

/* printf(9) and vprintf: printk at KERN_INFO; a call continues the line the previous one
 * left open (include/bsdsync/freebsd/systm.h). Function-like, so the word printf inside
 * __attribute__((format(printf, ...))) stays as it is. */
#define printf(...)		fbsd_printf(__VA_ARGS__)
#define vprintf(fmt, ap)	fbsd_vprintf((fmt), (ap))

/* bcopy/bzero (not in Linux); bcmp, strlen, strcmp, strncmp, strcpy, strncpy, strcat,
 * strchr, strrchr, strstr, strdup-free family, memcpy, memmove, memset, memcmp are Linux's
 * <linux/string.h>, the same functions. strlcpy and strlcat are FreeBSD's semantics here
 * (6.12 has no strlcpy): copy with truncation, always terminated when size > 0, return
 * strlen(src) (strlcat: the length it tried to create). */
#define bcopy(from, to, len)	__builtin_memmove((to), (from), (len))
#define bzero(buf, len)		__builtin_memset((buf), 0, (len))
#define explicit_bzero(buf, len) memzero_explicit((buf), (len))
static inline size_t __bsd_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = __builtin_strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		__builtin_memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
static inline size_t __bsd_strlcat(char *dst, const char *src, size_t size)
{
	size_t dlen = 0;

	while (dlen < size && dst[dlen] != '\0')
		dlen++;
	if (dlen == size)
		return size + __builtin_strlen(src);
	return dlen + __bsd_strlcpy(dst + dlen, src, size - dlen);
}
#define strlcpy(dst, src, size)	__bsd_strlcpy((dst), (src), (size))
#define strlcat(dst, src, size)	__bsd_strlcat((dst), (src), (size))

/* unr(9) unit-number allocator (include/bsdsync/freebsd/systm.h has the rules). */
#define UNR_NO_MTX		BSDSYNC_UNR_NO_MTX
#define new_unrhdr(low, high, mutex)	fbsd_new_unrhdr((low), (high), (mutex))
#define delete_unrhdr(uh)		fbsd_delete_unrhdr((uh))
#define clear_unrhdr(uh)		fbsd_clear_unrhdr((uh))
#define alloc_unr(uh)			fbsd_alloc_unr((uh))
#define alloc_unrl(uh)			fbsd_alloc_unrl((uh))
#define alloc_unr_specific(uh, item)	fbsd_alloc_unr_specific((uh), (item))
#define free_unr(uh, item)		fbsd_free_unr((uh), (item))

/* WITNESS_WARN(flags, lock, fmt, ...): always checked (include/bsdsync/freebsd/systm.h). */
#define WARN_GIANTOK		BSDSYNC_WARN_GIANTOK
#define WARN_PANIC		BSDSYNC_WARN_PANIC
#define WARN_SLEEPOK		BSDSYNC_WARN_SLEEPOK
#define WARN_MTXNOSLEEP		BSDSYNC_WARN_MTXNOSLEEP
#define WITNESS_WARN(flags, lock, ...)						\
	fbsd_witness_warn((flags), (lock), LOCK_FILE, LOCK_LINE, __VA_ARGS__)

/* spinlock_enter()/spinlock_exit(): interrupts and preemption off, nested. */
#define spinlock_enter()	fbsd_spinlock_enter()
#define spinlock_exit()		fbsd_spinlock_exit()

#endif
