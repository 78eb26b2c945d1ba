/*
 * <sys/callout.h> for ported FreeBSD drivers: callout(9), and the C_* flags of the _sbt
 * forms (sleep(9) uses them too).
 *
 * Handlers run in bsdsync's callout kernel thread, never in interrupt context, so a handler
 * may take the sleep mutex or rw lock it is associated with. C_DIRECT_EXEC is accepted and
 * runs the handler there too. The cpu argument of the _on forms is accepted and ignored (one
 * callout thread serves every CPU).
 */
#ifndef _BSDSYNC_FREEBSD_SYS_CALLOUT_H_
#define _BSDSYNC_FREEBSD_SYS_CALLOUT_H_

#include <sys/types.h>
#include <sys/_callout.h>
#include <bsdsync/freebsd/sleep.h>

#define CALLOUT_ACTIVE		BSDSYNC_CALLOUT_ACTIVE
#define CALLOUT_PENDING		BSDSYNC_CALLOUT_PENDING
#define CALLOUT_MPSAFE		BSDSYNC_CALLOUT_MPSAFE
#define CALLOUT_RETURNUNLOCKED	BSDSYNC_CALLOUT_RETURNUNLOCKED
#define CALLOUT_SHAREDLOCK	BSDSYNC_CALLOUT_SHAREDLOCK

#define C_DIRECT_EXEC	BSDSYNC_C_DIRECT_EXEC
#define C_PRELBITS	BSDSYNC_C_PRELBITS
#define C_PRELRANGE	BSDSYNC_C_PRELRANGE
#define C_PREL(x)	BSDSYNC_C_PREL(x)
#define C_PRELGET(x)	BSDSYNC_C_PRELGET(x)
#define C_HARDCLOCK	BSDSYNC_C_HARDCLOCK
#define C_ABSOLUTE	BSDSYNC_C_ABSOLUTE
#define C_PRECALC	BSDSYNC_C_PRECALC
#define C_CATCH		BSDSYNC_C_CATCH

#define CS_DRAIN	BSDSYNC_CS_DRAIN
#define CS_EXECUTING	BSDSYNC_CS_EXECUTING

#define callout_active(c)	((c)->c_flags & CALLOUT_ACTIVE)
#define callout_deactivate(c)	((c)->c_flags &= ~CALLOUT_ACTIVE)
#define callout_pending(c)	((c)->c_iflags & CALLOUT_PENDING)

#define callout_init(c, mpsafe)	fbsd_callout_init((c), (mpsafe))
#define _callout_init_lock(c, lock, flags)					\
	fbsd_callout_init_lock((c), (lock), (flags), __FILE__, __LINE__)
#define callout_init_mtx(c, mtx, flags)						\
	_callout_init_lock((c), ((mtx) != NULL) ? &(mtx)->lock_object : NULL, (flags))
#define callout_init_rw(c, rw, flags)						\
	_callout_init_lock((c), ((rw) != NULL) ? &(rw)->lock_object : NULL, (flags))
#define callout_init_rm(c, rm, flags)						\
	_callout_init_lock((c), ((rm) != NULL) ? &(rm)->lock_object : NULL, (flags))

#define callout_reset_sbt_on(c, sbt, pr, fn, arg, cpu, flags)			\
	fbsd_callout_reset_sbt_on((c), (sbt), (pr), (fn), (arg), (cpu), (flags))
#define callout_reset_sbt(c, sbt, pr, fn, arg, flags)				\
	callout_reset_sbt_on((c), (sbt), (pr), (fn), (arg), -1, (flags))
#define callout_reset_sbt_curcpu(c, sbt, pr, fn, arg, flags)			\
	callout_reset_sbt_on((c), (sbt), (pr), (fn), (arg), -1, (flags))
#define callout_reset_on(c, to_ticks, fn, arg, cpu)				\
	fbsd_callout_reset_on((c), (to_ticks), (fn), (arg), (cpu))
#define callout_reset(c, on_tick, fn, arg)					\
	callout_reset_on((c), (on_tick), (fn), (arg), -1)
#define callout_reset_curcpu(c, on_tick, fn, arg)				\
	callout_reset_on((c), (on_tick), (fn), (arg), -1)
#define callout_schedule_sbt_on(c, sbt, pr, cpu, flags)				\
	fbsd_callout_schedule_sbt_on((c), (sbt), (pr), (cpu), (flags))
#define callout_schedule_sbt(c, sbt, pr, flags)					\
	callout_schedule_sbt_on((c), (sbt), (pr), -1, (flags))
#define callout_schedule_sbt_curcpu(c, sbt, pr, flags)				\
	callout_schedule_sbt_on((c), (sbt), (pr), -1, (flags))
#define callout_schedule_on(c, on_tick, cpu)	fbsd_callout_schedule_on((c), (on_tick), (cpu))
#define callout_schedule(c, on_tick)		callout_schedule_on((c), (on_tick), -1)
#define callout_schedule_curcpu(c, on_tick)	callout_schedule_on((c), (on_tick), -1)

#define _callout_stop_safe(c, flags, drain)					\
	fbsd_callout_stop_safe((c), (flags), (drain), __FILE__, __LINE__)
#define callout_stop(c)			_callout_stop_safe((c), 0, NULL)
#define callout_drain(c)		_callout_stop_safe((c), CS_DRAIN, NULL)
#define callout_async_drain(c, d)	_callout_stop_safe((c), 0, (d))

#endif
