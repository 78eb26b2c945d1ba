/*
 * bsdsync C ABI: the <sys/systm.h> services a ported FreeBSD file calls besides the locks:
 * printf(9), KASSERT's report, WITNESS_WARN, unr(9) unit numbers, and the
 * machine-dependent spinlock_enter()/spinlock_exit().
 */
#ifndef _BSDSYNC_FREEBSD_SYSTM_H_
#define _BSDSYNC_FREEBSD_SYSTM_H_

#include <bsdsync/freebsd/lock.h>
#include <bsdsync/freebsd/mutex.h>

BSDSYNC_FREEBSD_ABI_BEGIN

/* printf(9): printk at KERN_INFO. FreeBSD prints a line in pieces (printf("a"); printf("b\n"));
 * a call that follows one whose text did not end in a newline continues that line
 * (KERN_CONT). At most 511 characters per call are printed; the return value is the length
 * the whole text would have had, as vsnprintf counts it. */
int fbsd_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int fbsd_vprintf(const char *fmt, __builtin_va_list ap) __attribute__((format(printf, 1, 0)));

/* A failed KASSERT: one bsdsync report (rule "assertion failed") naming the expression, the
 * message and the caller, with a stack dump; then the caller goes on. */
void fbsd_kassert_failed(const char *file, int line, const char *expr, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * WITNESS_WARN(flags, lock, fmt, ...): "the caller is about to do something that may sleep,
 * or must hold no lock". One report when, other than `lock`:
 *  - the caller may not sleep at all (interrupt context, a spin mutex or a critical section
 *    held, preemption or interrupts off), or
 *  - a non-sleepable lock (mtx, rw, rm) is held, or
 *  - without WARN_GIANTOK, Giant is held, or
 *  - without WARN_SLEEPOK, a sleepable lock (sx, lockmgr, sleepable rm, rms) is held
 *    (rule "assertion failed").
 * Returns, as FreeBSD's witness_warn, the number of locks that count (other than `lock`;
 * Giant not with WARN_GIANTOK, sleepable ones not with WARN_SLEEPOK, NOWITNESS locks never;
 * spin mutexes held on this CPU count), or 1 if only the context was reported, else 0.
 * WARN_PANIC: panic after the report.
 */
#define BSDSYNC_WARN_GIANTOK	0x01
#define BSDSYNC_WARN_PANIC	0x02
#define BSDSYNC_WARN_SLEEPOK	0x04
#define BSDSYNC_WARN_MTXNOSLEEP	0x08
int fbsd_witness_warn(int flags, struct lock_object *lock, const char *file, int line,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * unr(9): unit numbers in [low, high], the lowest free one first. A bitmap of the range,
 * grown on demand (a sparse high range costs one bit per number up to the highest allocated
 * one). `mutex` protects the allocator: NULL means a private mutex, BSDSYNC_UNR_NO_MTX that
 * the caller serialises all calls itself, any other mutex is taken by alloc_unr/free_unr
 * and must be held around alloc_unrl. Growing allocates memory: with a private mutex or the
 * caller's, alloc_unr and alloc_unr_specific may sleep (they allocate before they lock); with
 * UNR_NO_MTX and in alloc_unrl they allocate without sleeping and return -1 if that fails.
 * alloc_unr returns -1 when the range is used up; free_unr of a number not allocated is
 * reported and ignored; delete_unrhdr with numbers still allocated is reported.
 */
struct unrhdr;
#define BSDSYNC_UNR_NO_MTX	((struct mtx *)(unsigned long)-1)
struct unrhdr *fbsd_new_unrhdr(int low, int high, struct mtx *mutex);
void fbsd_delete_unrhdr(struct unrhdr *uh);
void fbsd_clear_unrhdr(struct unrhdr *uh);
int fbsd_alloc_unr(struct unrhdr *uh);
int fbsd_alloc_unrl(struct unrhdr *uh);
int fbsd_alloc_unr_specific(struct unrhdr *uh, unsigned int item);
void fbsd_free_unr(struct unrhdr *uh, unsigned int item);

/* spinlock_enter()/spinlock_exit(): interrupts and preemption off on this CPU, nested; the
 * interrupt state comes back at the outermost exit (the same per-CPU record spin mutexes
 * use, so they nest with them in any order). */
void fbsd_spinlock_enter(void);
void fbsd_spinlock_exit(void);

/* The current CPU's number (curcpu). */
int fbsd_curcpu(void);

BSDSYNC_FREEBSD_ABI_END

#endif
