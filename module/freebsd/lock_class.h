/*
 * FreeBSD lock classes: the table that lets the generic sleep code (sleep(9), condvar(9),
 * and lockmgr's LK_INTERLOCK) drop any kind of lock and take it back in the mode it
 * was held, without knowing which kind it is (FreeBSD's struct lock_class, lc_lock and
 * lc_unlock). The class index lives in lock_object.lo_flags.
 */
#ifndef BSDSYNC_FREEBSD_LOCK_CLASS_H
#define BSDSYNC_FREEBSD_LOCK_CLASS_H

#include <bsdsync/freebsd/mutex.h>
#include "core/diag.h"
#include "core/block.h"
#include "core/lock_type.h"
#include "core/thread.h"

namespace bsdsync::fbsd {

struct LockClass {
	const char *name;	/* "sleep mutex", "spin mutex", ... (as FreeBSD's lc_name) */
	unsigned flags;		/* LC_* */
	const LockType *type;	/* its entry in the core's lock-type registry */
	/* Drop the lock held by the caller for a sleep; the result says how to take it back.
	 * Reports and returns false (lock untouched) if the caller cannot sleep on it
	 * (not held, recursed). */
	bool (*unlock)(lock_object *lo, uintptr *how, const char *file, int line);
	/* Take the lock back, in the mode `how` says. */
	void (*lock)(lock_object *lo, uintptr how, const char *file, int line);
	/* Does the current thread hold it (in any mode)? */
	bool (*owned)(const lock_object *lo);
};

/* The class of a live lock object, or null (never initialised, destroyed, unknown). */
const LockClass *lock_class_of(const lock_object *lo);
unsigned lock_class_index(const lock_object *lo);

inline ReportSubject subject_of(const lock_object *lo)
{
	const LockClass *c = lock_class_of(lo);
	return ReportSubject{ c ? c->name : "lock", lo->lo_name, lo, lo->lo_site };
}

/* The core lock types of FreeBSD's classes (lock_class.cpp), registered at load. A lock's
 * identity in the held-locks stack and in lock events is its lock_object's address (the
 * lock's own: lock_object comes first in every FreeBSD lock). */
extern const LockType lock_type_mtx_sleep;
extern const LockType lock_type_mtx_spin;
extern const LockType lock_type_sx;
extern const LockType lock_type_rw;
extern const LockType lock_type_rm;
extern const LockType lock_type_rm_sleepable;
extern const LockType lock_type_lockmgr;
extern const LockType lock_type_rms;
int lock_types_register();
void lock_types_unregister();
/* The type of a live lock object, or null. */
inline const LockType *lock_type_of(const lock_object *lo);

extern const LockClass lock_class_mtx_sleep;
extern const LockClass lock_class_mtx_spin;
extern const LockClass lock_class_sx;
extern const LockClass lock_class_rw;
extern const LockClass lock_class_rm;
extern const LockClass lock_class_rm_sleepable;
extern const LockClass lock_class_lockmgr;
extern const LockClass lock_class_rms;

inline const LockType *lock_type_of(const lock_object *lo)
{
	const LockClass *c = lock_class_of(lo);
	return c ? c->type : nullptr;
}

/* The FreeBSD personality's slot in the core thread record (core/thread.h). Locking key:
 * the thread's own, like the rest of its record. */
struct ThreadSlot {
	void *rm_trackers;	/* rm(9): the thread's active read trackers, newest first (rm.cpp) */
};
constexpr int kThreadSlot = 0;
inline ThreadSlot *thread_slot(ThreadState *t) { return personality_slot<ThreadSlot>(t, kThreadSlot); }
inline const ThreadSlot *thread_slot(const ThreadState *t)
{
	return personality_slot<ThreadSlot>(t, kThreadSlot);
}

/* lock_init()/lock_destroy() of FreeBSD's <sys/lock.h>. */
void lock_init(lock_object *lo, unsigned class_index, const char *name, unsigned flags,
	       const bsdsync_lock_site *site);
void lock_destroy(lock_object *lo);

/* Giant is fully released across every sleep and taken back with its recursion depth
 * (FreeBSD DROP_GIANT/PICKUP_GIANT). drop returns the depth held (0 = not held). */
unsigned giant_drop(const char *file, int line);
void giant_pickup(unsigned depth, const char *file, int line);
bool giant_owned();
/* The core block hook (core/block.h) that makes every BlockKind::Sleep drop Giant in full
 * and take it back at its depth on waking; BlockKind::Lock waits (mtx, rw, rm) keep it.
 * Registered by the personality's init, first, so it runs before any later hook. */
extern const BlockHook giant_block_hook;

/*
 * Giant across the wait for a sleepable lock (sx, sleepable rm, rms: FreeBSD GIANT_SAVE and
 * GIANT_RESTORE in kern_sx.c, msleep for rms). A thread that kept Giant while it spun on a
 * running owner, or blocked, could wait forever for an owner that waits for Giant (witness
 * allows Giant -> sleepable and sleepable -> Giant, so that order is legal). drop() releases
 * Giant in full before the first spin or block of the wait (once: a thread that does not
 * hold it then cannot get it back before the wait is over); the destructor takes it back at
 * its depth when the wait ends, with the lock acquired (or on the error return), never
 * between a wakeup and the retry.
 */
class GiantSave {
public:
	GiantSave(const char *file, int line) : file_(file), line_(line) {}
	GiantSave(const GiantSave &) = delete;
	GiantSave &operator=(const GiantSave &) = delete;
	~GiantSave()
	{
		if (depth_)
			giant_pickup(depth_, file_, line_);
	}
	void drop()
	{
		if (!dropped_) {
			dropped_ = true;
			depth_ = giant_drop(file_, line_);
		}
	}

private:
	const char *file_;
	int line_;
	unsigned depth_ = 0;
	bool dropped_ = false;
};

} // namespace bsdsync::fbsd

#endif
