/*
 * bsdsync C ABI: DragonFly's serializer, lwkt_serialize (<sys/serialize.h>,
 * bsd-api-reference.md section 27): an exclusive lock held across blocking, not recursive,
 * and the interrupt-handler gate of network drivers (handler_disable/enable/call/try).
 *
 * The word (interlock), as bsdsync uses it:
 *   SLZ_HELD      0x80000000  held; the low bits count the holder's levels (1; more only
 *                             after a reported recursion, so the exits stay balanced)
 *   SLZ_DISABLED  0x40000000  the handler is disabled (DragonFly's bit 30): handler_call
 *                             and handler_try do not run it; kept across every transition
 *   SLZ_WAITERS   0x20000000  threads may be queued on the serializer
 *   SLZ_UNRECORDED 0x10000000 with HELD | 1: a hold a driver's production build took
 *                             inline (<sys/serialize.h>), not in the holder's held-locks
 *                             stack yet (the module records it, "adopts" it, at the
 *                             holder's next call: module/dragonfly/sleep_lock.h)
 *   SLZ_MASK      0x0FFFFFFF  the hold count
 * last_td: the holder while held (cleared at exit: bsdsync's ASSERT_SERIALIZED compares it
 * with the caller). module/dragonfly/serialize.cpp has the rest, sleep_lock.h the
 * transitions (shared with lockmgr and mtx).
 */
#ifndef _BSDSYNC_DRAGONFLY_SERIALIZE_H_
#define _BSDSYNC_DRAGONFLY_SERIALIZE_H_

#include <bsdsync/types.h>
#include <bsdsync/errno.h>
#include <bsdsync/report.h>

BSDSYNC_DRAGONFLY_ABI_BEGIN

#define BSDSYNC_DFLY_SLZ_HELD		0x80000000u
#define BSDSYNC_DFLY_SLZ_DISABLED	0x40000000u
#define BSDSYNC_DFLY_SLZ_WAITERS	0x20000000u
#define BSDSYNC_DFLY_SLZ_UNRECORDED	0x10000000u
#define BSDSYNC_DFLY_SLZ_MASK		0x0FFFFFFFu

struct lwkt_serialize {
	volatile unsigned int interlock;	/* the word above */
	int pad;
	void *volatile last_td;			/* the holder (a thread), or NULL */
};
BSDSYNC_ABI_SIZE(struct lwkt_serialize, 16);

/* file/line: the caller. try returns 1 if it got it (the man page's 0 is wrong: code). */
void dfly_lwkt_serialize_enter(struct lwkt_serialize *s, const char *file, int line);
void dfly_lwkt_serialize_adaptive_enter(struct lwkt_serialize *s, const char *file, int line);
int dfly_lwkt_serialize_try(struct lwkt_serialize *s, const char *file, int line);
void dfly_lwkt_serialize_exit(struct lwkt_serialize *s, const char *file, int line);
void dfly_lwkt_serialize_handler_disable(struct lwkt_serialize *s);
void dfly_lwkt_serialize_handler_enable(struct lwkt_serialize *s);
void dfly_lwkt_serialize_handler_call(struct lwkt_serialize *s, void (*func)(void *, void *),
				      void *arg, void *frame, const char *file, int line);
/* 0 if the handler ran; 1 if the serializer was busy or the handler disabled. */
int dfly_lwkt_serialize_handler_try(struct lwkt_serialize *s, void (*func)(void *, void *),
				    void *arg, void *frame, const char *file, int line);
/* Held by the caller. */
int dfly_lwkt_serialize_is_serialized(struct lwkt_serialize *s);
/* ASSERT_SERIALIZED (held = 1) / ASSERT_NOT_SERIALIZED (held = 0): reported if wrong. */
void dfly_lwkt_serialize_assert(struct lwkt_serialize *s, int held, const char *file, int line);
/* zsleep: queued (tsleep_interlock), the serializer exited, asleep, entered again. */
int dfly_zsleep(const volatile void *ident, struct lwkt_serialize *s, int flags,
		const char *wmesg, int timo, const char *file, int line);

BSDSYNC_DRAGONFLY_ABI_END

#endif
