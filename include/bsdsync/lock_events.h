/*
 * bsdsync C ABI shared by every personality: lock types and lock events.
 *
 * Every primitive of every personality reports what it does to its locks at the points where
 * FreeBSD calls its WITNESS and lock-profiling hooks: a thread is about to acquire a lock and
 * may wait for it (ACQUIRING: where a lock-order checker looks at the order), it found the
 * lock held and will wait or spin (CONTENDED), it holds the lock (ACQUIRED), it is releasing
 * it (RELEASED). A consumer (a checker, a profiler, a test) attaches a sink; while none is
 * attached the events cost one no-op instruction per point (platform.h
 * bsdsync_lock_events_on). Sinks run in the context of the lock operation (any context,
 * interrupts included) with preemption disabled: they must not sleep or take bsdsync locks.
 * Plain C and C++, no Linux header, no personality.
 */
#ifndef _BSDSYNC_LOCK_EVENTS_H_
#define _BSDSYNC_LOCK_EVENTS_H_

#include <bsdsync/report.h>

BSDSYNC_BEGIN_DECLS

/* bsdsync_lock_type.flags */
#define BSDSYNC_LT_SLEEPABLE	0x01	/* may be held across a sleep (FreeBSD LC_SLEEPABLE) */
#define BSDSYNC_LT_SPIN		0x02	/* a spin lock (interrupts off while held) */
#define BSDSYNC_LT_SHARED	0x04	/* has a shared mode */
#define BSDSYNC_LT_MAY_SLEEP	0x08	/* acquiring it may sleep */
#define BSDSYNC_LT_RECURSABLE	0x10	/* may be recursed */
#define BSDSYNC_LT_READS_NOSLEEP 0x20	/* SLEEPABLE for exclusive holds only: a shared holder
					   may not sleep (FreeBSD's sleepable rm readers) */
#define BSDSYNC_LT_PREEMPT_OFF	0x40	/* held with preemption off and interrupts on (DragonFly's
					   spinlocks): recorded in the holder's held-locks stack,
					   and named when it tries to block */

/*
 * A kind of lock (FreeBSD: "sleep mutex", "sx", ...), registered by its personality in the
 * core's lock-type registry. Constant; lock events and held-lock records point to it.
 */
struct bsdsync_lock_type {
	const char *name;
	unsigned int flags;	/* BSDSYNC_LT_* */
	/* Name, init site and BSDSYNC_LW_* flags of one live lock of this type (for reports
	 * and checkers). Any context; `witness_flags` may be null. */
	void (*describe)(const void *lock, const char **name,
			 const struct bsdsync_lock_site **site, unsigned int *witness_flags);
};
BSDSYNC_ABI_SIZE(struct bsdsync_lock_type, 24);
BSDSYNC_ABI_OFFSET(struct bsdsync_lock_type, describe, 16);

/* Per-lock flags describe() gives the lock-order checker (core/witness.h): */
#define BSDSYNC_LW_NOWITNESS	0x01	/* not checked nor recorded (FreeBSD: LO_WITNESS clear),
					   by witness nor Linux lockdep (DragonFly's tokens) */
#define BSDSYNC_LW_DUPOK	0x02	/* may be taken while another lock of its class is held
					   (FreeBSD LO_DUPOK) */
#define BSDSYNC_LW_GIANT	0x04	/* exempt from order checks against sleepable locks in
					   either direction (FreeBSD's Giant, witness(4)) */
/* The same bit named by what it means, for code that names no personality (module/platform):
 * every sleep drops the lock and takes it back, so it has no order with sleepable locks. */
#define BSDSYNC_LW_DROPPED_AT_SLEEP BSDSYNC_LW_GIANT

enum bsdsync_lock_event_kind {
	BSDSYNC_LE_ACQUIRING = 0,	/* about to acquire, may wait (not for try-locks) */
	BSDSYNC_LE_CONTENDED,		/* found it held: will spin or wait */
	BSDSYNC_LE_ACQUIRED,		/* holds it now */
	BSDSYNC_LE_RELEASED,		/* is releasing it (the lock is still valid memory) */
};

/* bsdsync_lock_event.flags */
#define BSDSYNC_LE_SHARED	0x01	/* shared mode (else exclusive) */
#define BSDSYNC_LE_TRY		0x02	/* a try-lock (never waits) */
#define BSDSYNC_LE_RECURSE	0x04	/* one more (or one fewer) level of a recursed hold */

struct bsdsync_lock_event {
	const void *lock;			/* the lock's identity: its address */
	const struct bsdsync_lock_type *type;
	const char *file;			/* the caller of the lock operation */
	int line;
	unsigned char kind;			/* enum bsdsync_lock_event_kind */
	unsigned char flags;			/* BSDSYNC_LE_* */
};
BSDSYNC_ABI_SIZE(struct bsdsync_lock_event, 32);
BSDSYNC_ABI_OFFSET(struct bsdsync_lock_event, kind, 28);

struct bsdsync_lock_event_sink {
	const char *name;
	void (*event)(const struct bsdsync_lock_event *event);
};
BSDSYNC_ABI_SIZE(struct bsdsync_lock_event_sink, 16);

/* Attach a sink (0, or -16 (EBUSY) if BSDSYNC_LOCK_EVENT_SINKS are attached already) /
 * detach it: when detach returns no CPU is still in its callback. Thread context (both may
 * sleep). */
#define BSDSYNC_LOCK_EVENT_SINKS 4
int bsdsync_lock_events_attach(const struct bsdsync_lock_event_sink *sink);
void bsdsync_lock_events_detach(const struct bsdsync_lock_event_sink *sink);

/*
 * The locks the calling thread holds, from its held-locks stack (oldest first): a lock's
 * identity, type, mode and where it was acquired. Spin locks are not there (they are
 * recorded per CPU), nor holds taken in interrupt context. Fills up to `max` entries and
 * returns the number of holds (which may be more than the stack records: the deeper ones are
 * only counted). For debuggers, checkers' output and tests.
 */
struct bsdsync_held_lock {
	const void *lock;
	const struct bsdsync_lock_type *type;
	const char *file;
	int line;
	int shared;		/* 1: a shared hold, 0: exclusive */
};
BSDSYNC_ABI_SIZE(struct bsdsync_held_lock, 32);
int bsdsync_held_locks(struct bsdsync_held_lock *out, int max);

BSDSYNC_END_DECLS

#endif
