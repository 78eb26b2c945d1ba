// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * DragonFly spinlocks, mtx, serializers and tokens as a driver built for production sees
 * them (kunit/Kbuild compiles this file with -DBSDSYNC_NO_INVARIANTS, <sys/_inline_locks.h>):
 * spin_lock/spin_unlock, mtx_lock_ex(_quick)/mtx_unlock, lwkt_serialize_enter/exit and
 * lwkt_gettoken/lwkt_reltoken are inline, one atomic each with no call into bsdsync.ko while
 * the lock is free (and lockmgr's LK_EXCLUSIVE / LK_SHARED / LK_RELEASE, mtx_lock_sh and
 * its unlock), and every other case (contention, recursion, misuse, a lock-event sink
 * attached) calls the module, which finds the hold marked UNRECORDED in the word (spinlock:
 * released without a record; mtx and serializer: recorded, "adopted", at the owner's first
 * call), or, for a shared lockmgr or mtx hold, counted in the thread's record (di_count),
 * or, for a token, on the thread's reference stack the inline path pushed.
 *
 * The calls the macros make are counted: before any header, the module's functions are
 * renamed for this file to counting wrappers (defined below, calling the real ones through
 * asm labels), so a case can say exactly how many times the macros called bsdsync.ko: the
 * check that the uncontended path has no call can fail. Nothing is asserted while a
 * spinlock is held (KUnit may allocate on failure).
 */
#define dfly_spin_lock			di_counted_spin_lock
#define dfly_spin_unlock		di_counted_spin_unlock
#define dfly_spin_lock_contested	di_counted_spin_lock_contested
#define dfly_mtx_lock_ex		di_counted_mtx_lock_ex
#define dfly_mtx_unlock			di_counted_mtx_unlock
#define dfly_mtx_lock_sh		di_counted_mtx_lock_sh
#define dfly_lwkt_serialize_enter	di_counted_slz_enter
#define dfly_lwkt_serialize_exit	di_counted_slz_exit
#define dfly_lwkt_gettoken		di_counted_gettoken
#define dfly_lwkt_reltoken		di_counted_reltoken
#define dfly_lockmgr			di_counted_lockmgr

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/preempt.h>
#include <linux/sched.h>

#include "harness.h"
#include <bsdsync/lock_events.h>
#include <bsdsync/testing.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>
#include <sys/mutex.h>
#include <sys/mutex2.h>
#include <sys/serialize.h>
#include <sys/thread.h>
#include <sys/lock.h>

#if !BSDSYNC_INLINE_LOCKS
#error "dfly_inline_test.c must be built as the production build (-DBSDSYNC_NO_INVARIANTS)"
#endif

/* The real functions, under other names for this file. */
void di_real_spin_lock(struct spinlock *s, const char *file, int line) __asm__("dfly_spin_lock");
void di_real_spin_unlock(struct spinlock *s, const char *file, int line)
	__asm__("dfly_spin_unlock");
void di_real_spin_lock_contested(struct spinlock *s, unsigned int v, const char *file, int line)
	__asm__("dfly_spin_lock_contested");
int di_real_mtx_lock_ex(struct mtx *m, int flags, int to, const char *file, int line)
	__asm__("dfly_mtx_lock_ex");
void di_real_mtx_unlock(struct mtx *m, const char *file, int line) __asm__("dfly_mtx_unlock");
int di_real_mtx_lock_sh(struct mtx *m, int flags, int to, const char *file, int line)
	__asm__("dfly_mtx_lock_sh");
void di_real_slz_enter(struct lwkt_serialize *s, const char *file, int line)
	__asm__("dfly_lwkt_serialize_enter");
void di_real_slz_exit(struct lwkt_serialize *s, const char *file, int line)
	__asm__("dfly_lwkt_serialize_exit");
int di_real_lockmgr(struct lock *lk, unsigned int flags, const char *file, int line)
	__asm__("dfly_lockmgr");
void di_real_gettoken(struct lwkt_token *t, const char *file, int line)
	__asm__("dfly_lwkt_gettoken");
void di_real_reltoken(struct lwkt_token *t, const char *file, int line)
	__asm__("dfly_lwkt_reltoken");

/* Calls the macros made into bsdsync.ko, from any thread of this file. */
static atomic_t di_lock_calls, di_unlock_calls;

void dfly_spin_lock(struct spinlock *s, const char *file, int line)
{
	atomic_inc(&di_lock_calls);
	di_real_spin_lock(s, file, line);
}

void dfly_spin_unlock(struct spinlock *s, const char *file, int line)
{
	atomic_inc(&di_unlock_calls);
	di_real_spin_unlock(s, file, line);
}

void dfly_spin_lock_contested(struct spinlock *s, unsigned int v, const char *file, int line)
{
	atomic_inc(&di_lock_calls);
	di_real_spin_lock_contested(s, v, file, line);
}

int dfly_mtx_lock_ex(struct mtx *m, int flags, int to, const char *file, int line)
{
	atomic_inc(&di_lock_calls);
	return di_real_mtx_lock_ex(m, flags, to, file, line);
}

void dfly_mtx_unlock(struct mtx *m, const char *file, int line)
{
	atomic_inc(&di_unlock_calls);
	di_real_mtx_unlock(m, file, line);
}

int dfly_mtx_lock_sh(struct mtx *m, int flags, int to, const char *file, int line)
{
	atomic_inc(&di_lock_calls);
	return di_real_mtx_lock_sh(m, flags, to, file, line);
}

void dfly_lwkt_serialize_enter(struct lwkt_serialize *s, const char *file, int line)
{
	atomic_inc(&di_lock_calls);
	di_real_slz_enter(s, file, line);
}

void dfly_lwkt_serialize_exit(struct lwkt_serialize *s, const char *file, int line)
{
	atomic_inc(&di_unlock_calls);
	di_real_slz_exit(s, file, line);
}

void dfly_lwkt_gettoken(struct lwkt_token *t, const char *file, int line)
{
	atomic_inc(&di_lock_calls);
	di_real_gettoken(t, file, line);
}

void dfly_lwkt_reltoken(struct lwkt_token *t, const char *file, int line)
{
	atomic_inc(&di_unlock_calls);
	di_real_reltoken(t, file, line);
}

/* lockmgr: LK_RELEASE counts as an unlock call, every other operation as a lock call. */
int dfly_lockmgr(struct lock *lk, unsigned int flags, const char *file, int line)
{
	if ((flags & LK_TYPE_MASK) == LK_RELEASE)
		atomic_inc(&di_unlock_calls);
	else
		atomic_inc(&di_lock_calls);
	return di_real_lockmgr(lk, flags, file, line);
}

static void di_reset_calls(void)
{
	atomic_set(&di_lock_calls, 0);
	atomic_set(&di_unlock_calls, 0);
}

/* How many holds the calling thread's held-locks stack records. */
static int di_depth(void)
{
	struct bsdsync_held_lock h[1];

	return bsdsync_held_locks(h, 0);
}

/* The calling thread's shared-hold count of a kind (BSDSYNC_DFLY_LK_COUNT, _MTX_COUNT), read
 * through the record cache as the inline paths read it; -1 if it never hits. A miss (a
 * thread that has no record yet, as a new KUnit case's: its first lock is the module's, and
 * recorded; or another thread's record in the cache): a call into the module that makes the
 * record and refills the cache (an exclusive hold of a mutex of its own, no count), and the
 * next look hits. A case that counts its inline holds calls this first. */
static int di_count(unsigned int idx)
{
	int tries;

	for (tries = 0; tries < 100; tries++) {
		char *r = __bsd_td_cached();
		struct mtx own;

		if (__bsd_td_mine(r))
			return *__dfly_td_count(r, idx);
		mtx_init(&own, "di_count");
		di_real_mtx_lock_ex(&own, 0, 0, __FILE__, __LINE__);
		di_real_mtx_unlock(&own, __FILE__, __LINE__);
		mtx_uninit(&own);
	}
	return -1;
}
#define DI_RECORDED	BSDSYNC_TD_COUNT_RECORDED

/* Spin (preemption off) until cond or about 10 s: a spinlock hold never sleeps. */
#define DI_SPIN_UNTIL(cond) ({								\
	unsigned long __end = jiffies + 10 * HZ;					\
	while (!(cond) && time_before(jiffies, __end))					\
		cpu_relax();								\
	(cond);										\
})

#define DI_SPIN_INLINE	(1u | BSDSYNC_DFLY_SPINLOCK_UNRECORDED)
#define DI_MTX_INLINE	(MTX_EXCLUSIVE | BSDSYNC_DFLY_MTX_UNRECORDED | 1u)
#define DI_SLZ_INLINE	(BSDSYNC_DFLY_SLZ_HELD | BSDSYNC_DFLY_SLZ_UNRECORDED | 1u)

/* ---- spinlocks ---------------------------------------------------------------------------- */

static void spin_inline_lock_and_unlock_call_nothing(struct kunit *test)
{
	struct spinlock s;
	int base = preempt_count(), depth = di_depth();
	unsigned int held_word;
	int held_count, held_depth;

	spin_init(&s, "di_spin");
	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		spin_lock(&s);
		held_word = READ_ONCE(s.counta);
		held_count = preempt_count();
		held_depth = di_depth();
		spin_unlock(&s);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, held_word, DI_SPIN_INLINE);
	KUNIT_EXPECT_EQ(test, held_count, base + 1);	/* the implicit critical section */
	KUNIT_EXPECT_EQ(test, held_depth, depth);	/* no record */
	KUNIT_EXPECT_EQ(test, READ_ONCE(s.counta), 0u);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
}

/* An inline hold released by the module (a driver's checked file) and a module hold
 * released by the inline path (its word is not the inline one: the module's): each finds
 * the other's word. */
static void spin_inline_and_module_holds_release_each_other(struct kunit *test)
{
	struct spinlock s;
	int base = preempt_count(), depth = di_depth();
	unsigned int module_word;
	int module_depth;

	spin_init(&s, "di_spin_mixed");
	BT_EXPECT_NO_REPORT(test, {
		spin_lock(&s);				/* inline */
		di_real_spin_unlock(&s, __FILE__, __LINE__);	/* the module's */
	});
	KUNIT_EXPECT_EQ(test, READ_ONCE(s.counta), 0u);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);

	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		di_real_spin_lock(&s, __FILE__, __LINE__);	/* recorded */
		module_word = READ_ONCE(s.counta);
		module_depth = di_depth();
		spin_unlock(&s);			/* not an inline hold: the module's */
	});
	KUNIT_EXPECT_EQ(test, module_word, 1u);
	KUNIT_EXPECT_EQ(test, module_depth, depth + 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(s.counta), 0u);
	KUNIT_EXPECT_EQ(test, di_depth(), depth);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
}

struct di_spin_wait {
	struct spinlock s;
	int go, in;
};

static void di_spin_waiter(void *arg)
{
	struct di_spin_wait *w = arg;

	while (!smp_load_acquire(&w->go))
		cpu_relax();
	spin_lock(&w->s);	/* held inline: waits in the module (EXCLWAIT) */
	WRITE_ONCE(w->in, 1);
	spin_unlock(&w->s);
}

/* A holder's inline unlock with a waiter spinning (EXCLWAIT, added above the low half by
 * the waiter's atomic add): the 16-bit release keeps the waiter's mark, and the waiter gets
 * the lock (its own hold, taken by the module's wait, is an inline one too: UNRECORDED, its
 * release the inline store, no call). */
static void spin_inline_unlock_with_a_waiter_hands_over(struct kunit *test)
{
	struct di_spin_wait *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread t;
	bool waiter_seen, in_while_held;

	KUNIT_ASSERT_NOT_NULL(test, w);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	spin_init(&w->s, "di_spin_wait");
	bt_start(test, &t, di_spin_waiter, w, "di-spin");	/* before the hold: it sleeps */
	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		spin_lock(&w->s);
		smp_store_release(&w->go, 1);
		waiter_seen = DI_SPIN_UNTIL(READ_ONCE(w->s.counta) & SPINLOCK_EXCLWAIT);
		in_while_held = READ_ONCE(w->in);
		spin_unlock(&w->s);
		bt_join(&t);
	});
	KUNIT_EXPECT_TRUE(test, waiter_seen);
	KUNIT_EXPECT_FALSE(test, in_while_held);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(w->in));
	/* The waiter's lock was the module's (contended), its unlock and this thread's lock
	 * and unlock inline. */
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->s.counta), 0u);
}

#define DI_ROUNDS	20000
struct di_spin_stress {
	struct spinlock s;
	unsigned long counter;
};

static void di_spin_stress_main(void *arg)
{
	struct di_spin_stress *st = arg;
	int i;

	for (i = 0; i < DI_ROUNDS; i++) {
		spin_lock(&st->s);
		st->counter++;	/* not atomic: the lock is what keeps the count */
		spin_unlock(&st->s);
		if (!(i & 255))
			cond_resched();
	}
}

/* Inline and module paths mixed under contention still exclude each other. */
static void spin_inline_holds_exclude_each_other(struct kunit *test)
{
	struct di_spin_stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct bt_thread t[3];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, st);
	spin_init(&st->s, "di_spin_stress");
	BT_EXPECT_NO_REPORT(test, {
		for (i = 0; i < 3; i++)
			bt_start(test, &t[i], di_spin_stress_main, st, "di-spin-st");
		bt_join_n(t, 3);
	});
	KUNIT_EXPECT_EQ(test, st->counter, 3UL * DI_ROUNDS);
	KUNIT_EXPECT_EQ(test, READ_ONCE(st->s.counta) & ~SPINLOCK_SHARED, 0u);
}

/* Inline exclusive holds (uncontended, and contended ones taken by the module's wait,
 * UNRECORDED too) mixed with shared holds (the module's): 2 threads of each, more threads
 * than CPUs. No exclusive hold overlaps another hold; shared ones may overlap each other. */
struct di_spin_mix {
	struct spinlock s;
	unsigned long counter;		/* changed only under an exclusive hold */
	int writers_inside, readers_inside;
	atomic_t bad;
	int id_next;
};

static void di_spin_mix_main(void *arg)
{
	struct di_spin_mix *st = arg;
	int id = __atomic_fetch_add(&st->id_next, 1, __ATOMIC_RELAXED);
	int i;

	for (i = 0; i < DI_ROUNDS; i++) {
		if (id & 1) {
			spin_lock_shared(&st->s);
			__atomic_add_fetch(&st->readers_inside, 1, __ATOMIC_RELAXED);
			if (READ_ONCE(st->writers_inside))
				atomic_inc(&st->bad);
			__atomic_sub_fetch(&st->readers_inside, 1, __ATOMIC_RELAXED);
			spin_unlock_shared(&st->s);
		} else {
			spin_lock(&st->s);
			if (READ_ONCE(st->writers_inside) || READ_ONCE(st->readers_inside))
				atomic_inc(&st->bad);
			WRITE_ONCE(st->writers_inside, 1);
			st->counter++;
			WRITE_ONCE(st->writers_inside, 0);
			spin_unlock(&st->s);
		}
		if (!(i & 255))
			cond_resched();
	}
}

static void spin_inline_exclusive_and_shared_holds_exclude_each_other(struct kunit *test)
{
	struct di_spin_mix *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct bt_thread t[4];

	KUNIT_ASSERT_NOT_NULL(test, st);
	spin_init(&st->s, "di_spin_mix");
	BT_EXPECT_NO_REPORT(test, {
		bt_start_n(test, t, 4, di_spin_mix_main, st, 0, "di-spin-mix");
		bt_join_n(t, 4);
	});
	KUNIT_EXPECT_EQ(test, st->counter, 2UL * DI_ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->bad), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(st->s.counta) & ~SPINLOCK_SHARED, 0u);
}

/* What the production build keeps: an unlock of a free spinlock is one report (the inline
 * CAS fails into the module), nothing released, the preempt count untouched. */
static void misuse_inline_spin_unlock_of_a_free_spinlock_is_reported_once(struct kunit *test)
{
	struct spinlock s;
	int base = preempt_count();

	spin_init(&s, "di_never_locked");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, spin_unlock(&s));
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_EQ(test, READ_ONCE(s.counta), 0u);
}

/* And a block with an inline hold is still one report (the context check sees preemption
 * off; unnamed: the hold has no record), refused, the thread going on. */
static void misuse_inline_tsleep_holding_a_spinlock_is_reported_once(struct kunit *test)
{
	struct spinlock s;
	struct bt_probe p;
	int chan, error;

	spin_init(&s, "di_held_across_tsleep");
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	spin_lock(&s);
	error = tsleep(&chan, 0, "dispin", 0);
	spin_unlock(&s);
	bt_probe_end(&p);
	bt_expect_one_report_no_sleep(test, &p, "tsleep holding an inline DragonFly spinlock");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_FALSE(test, spin_held(&s));
	KUNIT_EXPECT_TRUE(test, preemptible());
}

/* ---- lock-event sinks --------------------------------------------------------------------- */

static struct {
	struct task_struct *watched;
	int acquired, released;
} di_evs;

static void di_sink_fn(const struct bsdsync_lock_event *e)
{
	if (current != READ_ONCE(di_evs.watched))
		return;
	if (e->kind == BSDSYNC_LE_ACQUIRED)
		di_evs.acquired++;
	if (e->kind == BSDSYNC_LE_RELEASED)
		di_evs.released++;
}

static const struct bsdsync_lock_event_sink di_sink = { "kunit-dfly-inline", di_sink_fn };

/* With a sink attached every acquisition is the module's (the sink sees it), and so is its
 * release (the word is not the inline one). */
static void inline_paths_call_the_module_while_a_sink_is_attached(struct kunit *test)
{
	struct spinlock s;
	struct mtx m;
	struct lwkt_serialize z;

	spin_init(&s, "di_ev_spin");
	mtx_init(&m, "di_ev_mtx");
	lwkt_serialize_init(&z);
	memset(&di_evs, 0, sizeof(di_evs));
	WRITE_ONCE(di_evs.watched, current);
	KUNIT_ASSERT_EQ(test, bsdsync_lock_events_attach(&di_sink), 0);
	di_reset_calls();
	spin_lock(&s);
	spin_unlock(&s);
	mtx_lock_ex_quick(&m);
	mtx_unlock(&m);
	lwkt_serialize_enter(&z);
	lwkt_serialize_exit(&z);
	bsdsync_lock_events_detach(&di_sink);
	WRITE_ONCE(di_evs.watched, NULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 3);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 3);
	KUNIT_EXPECT_EQ(test, di_evs.acquired, 3);
	KUNIT_EXPECT_EQ(test, di_evs.released, 3);
	mtx_uninit(&m);
}

/* ---- mtx ---------------------------------------------------------------------------------- */

static void mtx_inline_lock_and_unlock_call_nothing(struct kunit *test)
{
	struct mtx m;
	int depth = di_depth();

	mtx_init(&m, "di_mtx");
	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, mtx_lock_ex_quick(&m), 0);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), DI_MTX_INLINE);
		KUNIT_EXPECT_PTR_EQ(test, (void *)m.mtx_owner, (void *)current);
		KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
		KUNIT_EXPECT_EQ(test, di_depth(), depth);
		mtx_unlock(&m);
		mtx_lock(&m);
		mtx_unlock_ex(&m);
		KUNIT_EXPECT_EQ(test, mtx_lock_ex(&m, PCATCH, 0), 0);
		mtx_unlock(&m);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 0u);
	KUNIT_EXPECT_PTR_EQ(test, (void *)m.mtx_owner, NULL);
	mtx_uninit(&m);
}

/* A recursion on an inline hold: the module adopts the hold (records it, clears
 * UNRECORDED), counts the recursion, and the unlocks unwind through the module. */
static void mtx_inline_recursion_is_adopted_and_unwinds(struct kunit *test)
{
	struct mtx m;
	int depth = di_depth();

	mtx_init(&m, "di_mtx_rec");
	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock_ex_quick(&m);
		mtx_lock_ex_quick(&m);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), MTX_EXCLUSIVE | 2u);
		KUNIT_EXPECT_EQ(test, di_depth(), depth + 1);
		mtx_unlock(&m);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), MTX_EXCLUSIVE | 1u);
		KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
		mtx_unlock(&m);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 2);
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 0u);
	KUNIT_EXPECT_EQ(test, di_depth(), depth);
	KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
	mtx_uninit(&m);
}

/* An inline hold released by the module, a module hold released inline (its CAS fails:
 * the module's), and mtxsleep and downgrade on an inline hold. */
static void mtx_inline_and_module_holds_release_each_other(struct kunit *test)
{
	struct mtx m;
	int depth = di_depth();
	int chan;

	mtx_init(&m, "di_mtx_mixed");
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock_ex_quick(&m);
		di_real_mtx_unlock(&m, __FILE__, __LINE__);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 0u);
		KUNIT_EXPECT_EQ(test, di_depth(), depth);

		di_real_mtx_lock_ex(&m, 0, 0, __FILE__, __LINE__);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), MTX_EXCLUSIVE | 1u);
		KUNIT_EXPECT_EQ(test, di_depth(), depth + 1);
		mtx_unlock(&m);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 0u);
		KUNIT_EXPECT_EQ(test, di_depth(), depth);

		mtx_lock_ex_quick(&m);
		KUNIT_EXPECT_EQ(test, mtxsleep(&chan, &m, 0, "dimtx", 1), EWOULDBLOCK);
		KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
		mtx_unlock(&m);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 0u);

		mtx_lock_ex_quick(&m);
		mtx_downgrade(&m);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 1u);	/* one share */
		mtx_unlock(&m);
	});
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 0u);
	KUNIT_EXPECT_EQ(test, di_depth(), depth);
	mtx_uninit(&m);
}

struct di_mtx_wait {
	struct mtx m;
	int in;
};

static void di_mtx_waiter(void *arg)
{
	struct di_mtx_wait *w = arg;

	mtx_lock_ex_quick(&w->m);	/* sleeps: held inline by the test */
	WRITE_ONCE(w->in, 1);
	mtx_unlock(&w->m);
}

/* A waiter queued (EXWANTED) on an inline hold: the holder's inline unlock fails into the
 * module, which adopts the hold and hands the mutex to the waiter. */
static void mtx_inline_unlock_with_a_waiter_hands_over(struct kunit *test)
{
	struct di_mtx_wait *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, w);
	mtx_init(&w->m, "di_mtx_wait");
	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock_ex_quick(&w->m);
		bt_start(test, &t, di_mtx_waiter, w, "di-mtx");
		BT_WAIT_UNTIL(test, __dfly_mtx_word(&w->m) & MTX_EXWANTED);
		KUNIT_EXPECT_FALSE(test, READ_ONCE(w->in));
		mtx_unlock(&w->m);
		bt_join(&t);
	});
	KUNIT_EXPECT_TRUE(test, READ_ONCE(w->in));
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 1);	/* the waiter's */
	KUNIT_EXPECT_GE(test, atomic_read(&di_unlock_calls), 1);	/* this thread's */
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&w->m) & MTX_MASK, 0u);
	mtx_uninit(&w->m);
}

struct di_mtx_owner {
	struct mtx m;
	int locked, release;
};

static void di_mtx_owner_main(void *arg)
{
	struct di_mtx_owner *o = arg;

	mtx_lock_ex_quick(&o->m);
	smp_store_release(&o->locked, 1);
	while (!smp_load_acquire(&o->release))
		msleep(1);
	mtx_unlock(&o->m);
}

/* What the production build keeps: an unlock of an unlocked mutex, or of one another thread
 * holds inline, is one report and changes nothing. */
static void misuse_inline_mtx_unlock_by_non_owner_is_reported_once(struct kunit *test)
{
	struct di_mtx_owner *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, o);
	mtx_init(&o->m, "di_mtx_owner");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_unlock(&o->m));	/* unlocked */
	bt_start(test, &t, di_mtx_owner_main, o, "di-owner");
	BT_WAIT_UNTIL(test, smp_load_acquire(&o->locked));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_unlock(&o->m));	/* another's */
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&o->m), DI_MTX_INLINE);
	smp_store_release(&o->release, 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&o->m), 0u);
	mtx_uninit(&o->m);
}

/* ---- serializers -------------------------------------------------------------------------- */

static void serializer_inline_enter_and_exit_call_nothing(struct kunit *test)
{
	struct lwkt_serialize z;
	int depth = di_depth();

	lwkt_serialize_init(&z);
	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		lwkt_serialize_enter(&z);
		KUNIT_EXPECT_EQ(test, READ_ONCE(z.interlock), DI_SLZ_INLINE);
		KUNIT_EXPECT_TRUE(test, IS_SERIALIZED(&z));
		ASSERT_SERIALIZED(&z);
		KUNIT_EXPECT_EQ(test, di_depth(), depth);
		lwkt_serialize_exit(&z);
		ASSERT_NOT_SERIALIZED(&z);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(z.interlock), 0u);
	KUNIT_EXPECT_PTR_EQ(test, (void *)z.last_td, NULL);
}

/* What the production build keeps: a recursion on an inline hold is one report (the module
 * adopts the hold, then judges it as any), and the two exits stay balanced. */
static void misuse_inline_serializer_recursion_is_reported_once(struct kunit *test)
{
	struct lwkt_serialize z;
	int depth = di_depth();

	lwkt_serialize_init(&z);
	lwkt_serialize_enter(&z);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, lwkt_serialize_enter(&z));
	BT_EXPECT_NO_REPORT(test, {
		lwkt_serialize_exit(&z);
		KUNIT_EXPECT_TRUE(test, IS_SERIALIZED(&z));
		lwkt_serialize_exit(&z);
	});
	KUNIT_EXPECT_EQ(test, READ_ONCE(z.interlock), 0u);
	KUNIT_EXPECT_EQ(test, di_depth(), depth);
}

struct di_slz_owner {
	struct lwkt_serialize z;
	int locked, release, in;
};

static void di_slz_owner_main(void *arg)
{
	struct di_slz_owner *o = arg;

	lwkt_serialize_enter(&o->z);
	smp_store_release(&o->locked, 1);
	while (!smp_load_acquire(&o->release))
		msleep(1);
	lwkt_serialize_exit(&o->z);
}

static void di_slz_waiter_main(void *arg)
{
	struct di_slz_owner *o = arg;

	lwkt_serialize_enter(&o->z);
	WRITE_ONCE(o->in, 1);
	lwkt_serialize_exit(&o->z);
}

/* An exit by a thread that does not hold it is one report and changes nothing; the holder's
 * inline exit with a waiter queued falls back into the module, which wakes the waiter. */
static void misuse_inline_serializer_exit_by_non_holder_is_reported_once(struct kunit *test)
{
	struct di_slz_owner *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct bt_thread t, w;

	KUNIT_ASSERT_NOT_NULL(test, o);
	lwkt_serialize_init(&o->z);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lwkt_serialize_exit(&o->z));
	bt_start(test, &t, di_slz_owner_main, o, "di-slz-own");
	BT_WAIT_UNTIL(test, smp_load_acquire(&o->locked));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lwkt_serialize_exit(&o->z));
	KUNIT_EXPECT_EQ(test, READ_ONCE(o->z.interlock), DI_SLZ_INLINE);
	bt_start(test, &w, di_slz_waiter_main, o, "di-slz-wait");
	BT_WAIT_UNTIL(test, READ_ONCE(o->z.interlock) & BSDSYNC_DFLY_SLZ_WAITERS);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(o->in));
	smp_store_release(&o->release, 1);
	bt_join(&t);
	bt_join(&w);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(o->in));
	KUNIT_EXPECT_EQ(test, READ_ONCE(o->z.interlock) & BSDSYNC_DFLY_SLZ_MASK, 0u);
}

/* ---- tokens ------------------------------------------------------------------------------- */

/* The thread's first token goes through the module (it registers the switch hook); from
 * then on an uncontended get and release make no call, and the reference is on the
 * thread's stack as the module's own get would put it. */
static void token_inline_get_and_release_call_nothing(struct kunit *test)
{
	struct lwkt_token tok;

	lwkt_token_init(&tok, "di_tok");
	di_reset_calls();
	lwkt_gettoken(&tok);
	lwkt_reltoken(&tok);
	KUNIT_EXPECT_LE(test, atomic_read(&di_lock_calls), 1);	/* the hook, if not yet */
	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		lwkt_gettoken(&tok);
		KUNIT_EXPECT_EQ(test, READ_ONCE(tok.t_count), TOK_EXCLUSIVE);
		KUNIT_EXPECT_PTR_EQ(test, (void *)READ_ONCE(tok.t_ref), (void *)current);
		KUNIT_EXPECT_EQ(test, lwkt_cnttoken(&tok, NULL), 1);
		KUNIT_EXPECT_TRUE(test, LWKT_TOKEN_HELD_EXCL(&tok));
		lwkt_reltoken(&tok);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(tok.t_count), 0L);
	KUNIT_EXPECT_PTR_EQ(test, (void *)READ_ONCE(tok.t_ref), NULL);
	KUNIT_EXPECT_EQ(test, lwkt_cnttoken(&tok, NULL), 0);
	KUNIT_EXPECT_TRUE(test, TD_TOKS_NOT_HELD(NULL));
	lwkt_token_uninit(&tok);
}

/* Inline gets released by the module and module gets released inline; a release the inline
 * path does not take (two references) falls back and the stack stays right. */
static void token_inline_and_module_references_release_each_other(struct kunit *test)
{
	struct lwkt_token a, b;

	lwkt_token_init(&a, "di_tok_a");
	lwkt_token_init(&b, "di_tok_b");
	BT_EXPECT_NO_REPORT(test, {
		lwkt_gettoken(&a);
		di_real_reltoken(&a, __FILE__, __LINE__);
		KUNIT_EXPECT_EQ(test, READ_ONCE(a.t_count), 0L);
		di_real_gettoken(&a, __FILE__, __LINE__);
		di_reset_calls();
		lwkt_reltoken(&a);
		KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(a.t_count), 0L);

		lwkt_gettoken(&a);
		lwkt_gettoken(&b);
		lwkt_gettoken(&a);	/* a recursion: the module's */
		KUNIT_EXPECT_EQ(test, lwkt_cnttoken(&a, NULL), 2);
		lwkt_reltoken(&a);
		lwkt_reltoken(&b);
		KUNIT_EXPECT_EQ(test, READ_ONCE(b.t_count), 0L);
		KUNIT_EXPECT_EQ(test, READ_ONCE(a.t_count), TOK_EXCLUSIVE);
		lwkt_reltoken(&a);	/* the only reference again: inline */
	});
	KUNIT_EXPECT_EQ(test, READ_ONCE(a.t_count), 0L);
	KUNIT_EXPECT_TRUE(test, TD_TOKS_NOT_HELD(NULL));
	lwkt_token_uninit(&a);
	lwkt_token_uninit(&b);
}

struct di_tok_other {
	struct lwkt_token tok;
	int go, got, in;
};

static void di_tok_trier(void *arg)
{
	struct di_tok_other *o = arg;

	while (!smp_load_acquire(&o->go))
		msleep(1);
	while (!READ_ONCE(o->got)) {
		if (lwkt_trytoken(&o->tok)) {
			WRITE_ONCE(o->got, 1);
			lwkt_reltoken(&o->tok);
		} else {
			msleep(1);
		}
	}
}

/* A token taken inline is still released whenever its holder blocks (here in Linux's
 * msleep) and held again when it runs: another thread takes it meanwhile. */
static void token_inline_hold_is_released_at_a_block_and_retaken(struct kunit *test)
{
	struct di_tok_other *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct bt_thread t;
	long after;

	KUNIT_ASSERT_NOT_NULL(test, o);
	lwkt_token_init(&o->tok, "di_tok_block");
	bt_start(test, &t, di_tok_trier, o, "di-tok-try");
	/* Nothing blocks from here to the inline get: the hook stays registered. */
	lwkt_gettoken(&o->tok);		/* registers the hook if needed */
	lwkt_reltoken(&o->tok);
	di_reset_calls();
	lwkt_gettoken(&o->tok);
	smp_store_release(&o->go, 1);
	BT_WAIT_UNTIL(test, READ_ONCE(o->got));	/* sleeps: the token goes meanwhile */
	after = READ_ONCE(o->tok.t_count);
	KUNIT_EXPECT_TRUE(test, LWKT_TOKEN_HELD_EXCL(&o->tok));
	lwkt_reltoken(&o->tok);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, after, TOK_EXCLUSIVE);
	KUNIT_EXPECT_EQ(test, READ_ONCE(o->tok.t_count), 0L);
	lwkt_token_uninit(&o->tok);
}

static void di_tok_waiter(void *arg)
{
	struct di_tok_other *o = arg;

	while (!smp_load_acquire(&o->go))
		msleep(1);
	lwkt_gettoken(&o->tok);		/* held inline by the test: spins, then waits */
	WRITE_ONCE(o->in, 1);
	lwkt_reltoken(&o->tok);
}

/* A waiter blocked on a token held inline: the inline release reads the waiter count and
 * runs the grant pass, which gives the waiter the token. The holder spins meanwhile (a
 * preemption keeps its token; a block would give it away). */
static void token_inline_release_grants_a_waiter(struct kunit *test)
{
	struct di_tok_other *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct bt_thread t;
	bool waiting, in_while_held;

	KUNIT_ASSERT_NOT_NULL(test, o);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	lwkt_token_init(&o->tok, "di_tok_wait");
	bt_start(test, &t, di_tok_waiter, o, "di-tok-wait");
	/* Nothing blocks from here to the release: the hook stays, the token stays held. */
	lwkt_gettoken(&o->tok);
	lwkt_reltoken(&o->tok);
	di_reset_calls();
	lwkt_gettoken(&o->tok);
	smp_store_release(&o->go, 1);
	waiting = DI_SPIN_UNTIL(READ_ONCE(dfly_lwkt_nwaiting) != 0);
	in_while_held = READ_ONCE(o->in);
	lwkt_reltoken(&o->tok);
	bt_join(&t);
	KUNIT_EXPECT_TRUE(test, waiting);
	KUNIT_EXPECT_FALSE(test, in_while_held);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(o->in));
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 1);	/* the waiter's */
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);	/* both inline */
	KUNIT_EXPECT_EQ(test, READ_ONCE(o->tok.t_count), 0L);
	lwkt_token_uninit(&o->tok);
}

/* What stays reported: a release of a token the thread does not hold (the inline path
 * finds no such reference and calls the module). */
static void misuse_inline_reltoken_of_a_token_not_held_is_reported_once(struct kunit *test)
{
	struct lwkt_token tok;

	lwkt_token_init(&tok, "di_tok_not_held");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lwkt_reltoken(&tok));
	KUNIT_EXPECT_EQ(test, READ_ONCE(tok.t_count), 0L);
	lwkt_token_uninit(&tok);
}

/* ---- lockmgr ------------------------------------------------------------------------------ */

#define DI_LK_INLINE	(BSDSYNC_DFLY_LKC_UNRECORDED | 1ULL)

static void lockmgr_inline_exclusive_and_release_call_nothing(struct kunit *test)
{
	struct lock lk;
	int depth = di_depth();

	lockinit(&lk, "di_lk", 0, 0);
	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), DI_LK_INLINE);
		KUNIT_EXPECT_EQ(test, lockstatus(&lk, current), LK_EXCLUSIVE);
		KUNIT_EXPECT_TRUE(test, lockowned(&lk));
		KUNIT_EXPECT_EQ(test, di_depth(), depth);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUSIVE | LK_NOWAIT), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), 0ULL);
	KUNIT_EXPECT_PTR_EQ(test, (void *)lk.lk_lockholder, NULL);
	lockuninit(&lk);
}

/* Recursion (LK_CANRECURSE), a shared request by the holder (one more exclusive count),
 * downgrade and lksleep on an inline hold: the module adopts it first, and every release
 * after that goes through the module with the count right. */
static void lockmgr_inline_hold_is_adopted_by_the_module(struct kunit *test)
{
	struct lock lk;
	int depth = di_depth();
	int chan;

	lockinit(&lk, "di_lk_adopt", 0, LK_CANRECURSE);
	BT_EXPECT_NO_REPORT(test, {
		lockmgr(&lk, LK_EXCLUSIVE);
		lockmgr(&lk, LK_EXCLUSIVE);
		KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), 2ULL);
		KUNIT_EXPECT_EQ(test, di_depth(), depth + 1);
		lockmgr(&lk, LK_SHARED);
		KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), 3ULL);
		lockmgr(&lk, LK_RELEASE);
		lockmgr(&lk, LK_RELEASE);
		lockmgr(&lk, LK_RELEASE);
		KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), 0ULL);
		KUNIT_EXPECT_EQ(test, di_depth(), depth);

		lockmgr(&lk, LK_EXCLUSIVE);
		lockmgr(&lk, LK_DOWNGRADE);
		KUNIT_EXPECT_EQ(test, lockstatus(&lk, NULL), LK_SHARED);
		lockmgr(&lk, LK_RELEASE);

		lockmgr(&lk, LK_EXCLUSIVE);
		KUNIT_EXPECT_EQ(test, lksleep(&chan, &lk, 0, "dilk", 1), EWOULDBLOCK);
		KUNIT_EXPECT_EQ(test, lockstatus(&lk, current), LK_EXCLUSIVE);
		lockmgr(&lk, LK_RELEASE);
	});
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), 0ULL);
	KUNIT_EXPECT_EQ(test, di_depth(), depth);
	lockuninit(&lk);
}

struct di_lk_owner {
	struct lock lk;
	int locked, release, in;
};

static void di_lk_owner_main(void *arg)
{
	struct di_lk_owner *o = arg;

	lockmgr(&o->lk, LK_EXCLUSIVE);
	smp_store_release(&o->locked, 1);
	while (!smp_load_acquire(&o->release))
		msleep(1);
	lockmgr(&o->lk, LK_RELEASE);
}

static void di_lk_waiter_main(void *arg)
{
	struct di_lk_owner *o = arg;

	lockmgr(&o->lk, LK_EXCLUSIVE);
	WRITE_ONCE(o->in, 1);
	lockmgr(&o->lk, LK_RELEASE);
}

/* What the production build keeps: a release of an unlocked lock, of one another thread
 * holds inline, and any operation on a lock lockinit never made: one report each; and the
 * inline holder's release with a waiter queued falls back and wakes it. */
static void misuse_inline_lockmgr_release_by_non_owner_is_reported_once(struct kunit *test)
{
	struct di_lk_owner *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct lock never;
	struct bt_thread t, w;

	KUNIT_ASSERT_NOT_NULL(test, o);
	memset(&never, 0, sizeof(never));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNINITIALIZED, lockmgr(&never, LK_EXCLUSIVE));
	KUNIT_EXPECT_EQ(test, READ_ONCE(never.lk_count), 0ULL);
	lockinit(&o->lk, "di_lk_owner", 0, 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lockmgr(&o->lk, LK_RELEASE));
	bt_start(test, &t, di_lk_owner_main, o, "di-lk-own");
	BT_WAIT_UNTIL(test, smp_load_acquire(&o->locked));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lockmgr(&o->lk, LK_RELEASE));
	KUNIT_EXPECT_EQ(test, READ_ONCE(o->lk.lk_count), DI_LK_INLINE);
	bt_start(test, &w, di_lk_waiter_main, o, "di-lk-wait");
	BT_WAIT_UNTIL(test, READ_ONCE(o->lk.lk_count) & LKC_EXREQ);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(o->in));
	smp_store_release(&o->release, 1);
	bt_join(&t);
	bt_join(&w);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(o->in));
	KUNIT_EXPECT_EQ(test, READ_ONCE(o->lk.lk_count) & (LKC_XMASK | LKC_SMASK), 0ULL);
	lockuninit(&o->lk);
}

/* ---- shared holds (lockmgr LK_SHARED, mtx_lock_sh) ---------------------------------------- */

#define DI_LK_SHARED(n)	((unsigned long long)(n) * LKC_SCOUNT | LKC_SHARED)

/* LK_SHARED and its LK_RELEASE inline: no call, no record, the thread's lockmgr count one up
 * per hold (inline part) and back; a recursion while nobody waits is inline too. */
static void lockmgr_inline_shared_and_release_call_nothing(struct kunit *test)
{
	struct lock lk;
	int depth = di_depth(), count;

	lockinit(&lk, "di_lk_sh", 0, 0);
	count = di_count(BSDSYNC_DFLY_LK_COUNT);
	KUNIT_ASSERT_EQ(test, count, 0);
	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), DI_LK_SHARED(1));
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_SHARED | LK_NOWAIT), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), DI_LK_SHARED(2));
		KUNIT_EXPECT_EQ(test, lockstatus(&lk, current), LK_SHARED);
		KUNIT_EXPECT_EQ(test, di_depth(), depth);
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 2);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), DI_LK_SHARED(1));
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_RELEASE), 0);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), 0ULL);
	KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);
	KUNIT_EXPECT_EQ(test, lockstatus(&lk, NULL), 0);
	lockuninit(&lk);
}

/* lockmgr(lk, flags) with flags known only at run time (DragonFly code computes them:
 * `excl ? LK_EXCLUSIVE : LK_SHARED`, or a caller's flags passed on) takes the same inline
 * paths as a constant: the operation is tested at run time, as FreeBSD's lockmgr fast path
 * does. Hidden from the compiler, each flags value is a run-time value here. */
static void lockmgr_inline_paths_take_flags_known_only_at_run_time(struct kunit *test)
{
	unsigned int excl = LK_EXCLUSIVE, shared = LK_SHARED | LK_NOWAIT, rel = LK_RELEASE;
	struct lock lk;
	int depth = di_depth();

	OPTIMIZER_HIDE_VAR(excl);
	OPTIMIZER_HIDE_VAR(shared);
	OPTIMIZER_HIDE_VAR(rel);
	lockinit(&lk, "di_lk_rt", 0, 0);
	KUNIT_ASSERT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);
	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, excl), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), DI_LK_INLINE);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, rel), 0);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, shared), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), DI_LK_SHARED(1));
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 1);
		KUNIT_EXPECT_EQ(test, di_depth(), depth);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, rel), 0);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), 0ULL);
	KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);
	lockuninit(&lk);
}

/* mtx_lock_sh(_quick) and mtx_unlock(_sh) inline; mtx_lock_temp_release/restore of a shared
 * hold too. */
static void mtx_inline_shared_lock_and_unlock_call_nothing(struct kunit *test)
{
	struct mtx m;
	int depth = di_depth();
	mtx_state_t st;

	mtx_init(&m, "di_mtx_sh");
	KUNIT_ASSERT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);
	di_reset_calls();
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, mtx_lock_sh_quick(&m), 0);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 1u);
		KUNIT_EXPECT_EQ(test, mtx_lock_sh(&m, PCATCH, 0), 0);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 2u);
		KUNIT_EXPECT_FALSE(test, mtx_owned(&m));
		KUNIT_EXPECT_EQ(test, di_depth(), depth);
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 2);
		st = mtx_lock_temp_release(&m);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 1u);
		mtx_lock_temp_restore(&m, st);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 2u);
		mtx_unlock_sh(&m);
		mtx_unlock(&m);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 0u);
	KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);
	mtx_uninit(&m);
}

/* An inline shared hold released by the module (a driver's checked file), a module hold
 * (recorded) released by the inline macro (the count's recorded part sends it to the module,
 * which pops the record), and both at once: the module takes the record it has, else an
 * inline hold off the count. No report, the records and counts back where they were. */
static void lockmgr_inline_and_module_shared_holds_release_each_other(struct kunit *test)
{
	struct lock a, b;
	int depth = di_depth();

	lockinit(&a, "di_lk_sh_a", 0, 0);
	lockinit(&b, "di_lk_sh_b", 0, 0);
	KUNIT_ASSERT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);
	BT_EXPECT_NO_REPORT(test, {
		lockmgr(&a, LK_SHARED);
		KUNIT_EXPECT_EQ(test, di_real_lockmgr(&a, LK_RELEASE, __FILE__, __LINE__), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(a.lk_count), 0ULL);
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);

		di_real_lockmgr(&a, LK_SHARED, __FILE__, __LINE__);
		KUNIT_EXPECT_EQ(test, di_depth(), depth + 1);
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), DI_RECORDED);
		di_reset_calls();
		lockmgr(&a, LK_RELEASE);
		KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 1);
		KUNIT_EXPECT_EQ(test, READ_ONCE(a.lk_count), 0ULL);
		KUNIT_EXPECT_EQ(test, di_depth(), depth);
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);

		lockmgr(&a, LK_SHARED);					/* inline */
		di_real_lockmgr(&b, LK_SHARED, __FILE__, __LINE__);	/* recorded */
		lockmgr(&a, LK_RELEASE);	/* the module: no record of a, an inline hold */
		KUNIT_EXPECT_EQ(test, READ_ONCE(a.lk_count), 0ULL);
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), DI_RECORDED);
		KUNIT_EXPECT_EQ(test, di_depth(), depth + 1);
		lockmgr(&b, LK_RELEASE);	/* the module: b's record */
		KUNIT_EXPECT_EQ(test, READ_ONCE(b.lk_count), 0ULL);
	});
	KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);
	KUNIT_EXPECT_EQ(test, di_depth(), depth);
	lockuninit(&a);
	lockuninit(&b);
}

static void mtx_inline_and_module_shared_holds_release_each_other(struct kunit *test)
{
	struct mtx a, b;
	int depth = di_depth();

	mtx_init(&a, "di_mtx_sh_a");
	mtx_init(&b, "di_mtx_sh_b");
	KUNIT_ASSERT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock_sh_quick(&a);
		di_real_mtx_unlock(&a, __FILE__, __LINE__);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&a), 0u);
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);

		di_real_mtx_lock_sh(&a, 0, 0, __FILE__, __LINE__);
		KUNIT_EXPECT_EQ(test, di_depth(), depth + 1);
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), DI_RECORDED);
		di_reset_calls();
		mtx_unlock(&a);
		KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 1);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&a), 0u);
		KUNIT_EXPECT_EQ(test, di_depth(), depth);

		mtx_lock_sh_quick(&a);
		di_real_mtx_lock_sh(&b, 0, 0, __FILE__, __LINE__);
		mtx_unlock(&a);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&a), 0u);
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), DI_RECORDED);
		mtx_unlock(&b);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&b), 0u);
	});
	KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);
	KUNIT_EXPECT_EQ(test, di_depth(), depth);
	mtx_uninit(&a);
	mtx_uninit(&b);
}

struct di_sh_wait {
	struct lock lk;
	struct mtx m;
	int in;
};

static void di_lk_xwaiter(void *arg)
{
	struct di_sh_wait *w = arg;

	/* The module's functions, uncounted (the test counts its own calls): sleeps, held
	 * shared by the test. */
	di_real_lockmgr(&w->lk, LK_EXCLUSIVE, __FILE__, __LINE__);
	WRITE_ONCE(w->in, 1);
	di_real_lockmgr(&w->lk, LK_RELEASE, __FILE__, __LINE__);
}

/* Holds taken inline, an exclusive request waiting (EXREQ): the holder's recursive
 * LK_SHARED is not stuck behind it (the module sees the thread's inline count: it may hold
 * the lock, so it passes the waiter, as its record would let it); the releases: the
 * recorded one through the module, an inline one with another share left inline (no call),
 * the last inline one into the module, which wakes the waiter. A module that did not know
 * the inline holds would leave the recursion waiting for the waiter, which waits for it. */
static void lockmgr_inline_shared_holder_recurses_past_a_waiter(struct kunit *test)
{
	struct di_sh_wait *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread t;
	int depth = di_depth();
	int recursed = -1, lock_calls = -1, unlock_calls[3] = { -1, -1, -1 };

	KUNIT_ASSERT_NOT_NULL(test, w);
	lockinit(&w->lk, "di_lk_sh_wait", 0, 0);
	KUNIT_ASSERT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);
	BT_EXPECT_NO_REPORT(test, {
		lockmgr(&w->lk, LK_SHARED);
		lockmgr(&w->lk, LK_SHARED);
		bt_start(test, &t, di_lk_xwaiter, w, "di-lk-x");
		BT_WAIT_UNTIL(test, READ_ONCE(w->lk.lk_count) & LKC_EXREQ);
		di_reset_calls();
		recursed = lockmgr(&w->lk, LK_SHARED);	/* the module: EXREQ */
		lock_calls = atomic_read(&di_lock_calls);
		KUNIT_EXPECT_EQ(test, READ_ONCE(w->lk.lk_count) & LKC_SMASK, 3 * LKC_SCOUNT);
		KUNIT_EXPECT_FALSE(test, READ_ONCE(w->in));
		lockmgr(&w->lk, LK_RELEASE);	/* the recorded one: the module */
		unlock_calls[0] = atomic_read(&di_unlock_calls);
		lockmgr(&w->lk, LK_RELEASE);	/* 2 -> 1, bits kept: inline */
		unlock_calls[1] = atomic_read(&di_unlock_calls);
		KUNIT_EXPECT_FALSE(test, READ_ONCE(w->in));
		lockmgr(&w->lk, LK_RELEASE);	/* the last, a waiter: the module wakes it */
		unlock_calls[2] = atomic_read(&di_unlock_calls);
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, recursed, 0);
	KUNIT_EXPECT_EQ(test, lock_calls, 1);
	KUNIT_EXPECT_EQ(test, unlock_calls[0], 1);
	KUNIT_EXPECT_EQ(test, unlock_calls[1], 1);
	KUNIT_EXPECT_EQ(test, unlock_calls[2], 2);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(w->in));
	KUNIT_EXPECT_EQ(test, READ_ONCE(w->lk.lk_count) & (LKC_XMASK | LKC_SMASK), 0ULL);
	KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);
	KUNIT_EXPECT_EQ(test, di_depth(), depth);
	lockuninit(&w->lk);
}

static void di_mtx_xwaiter(void *arg)
{
	struct di_sh_wait *w = arg;

	/* Uncounted, as di_lk_xwaiter's: sleeps (a link on mtx_exlink), held shared. */
	di_real_mtx_lock_ex(&w->m, 0, 0, __FILE__, __LINE__);
	WRITE_ONCE(w->in, 1);
	di_real_mtx_unlock(&w->m, __FILE__, __LINE__);
}

/* The same for mtx (EXWANTED, the waiter's link queued): the last release hands the mutex
 * to the waiter. */
static void mtx_inline_shared_holder_recurses_past_a_waiter(struct kunit *test)
{
	struct di_sh_wait *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct bt_thread t;
	int depth = di_depth();
	int recursed = -1, lock_calls = -1, unlock_calls[3] = { -1, -1, -1 };

	KUNIT_ASSERT_NOT_NULL(test, w);
	mtx_init(&w->m, "di_mtx_sh_wait");
	KUNIT_ASSERT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock_sh_quick(&w->m);
		mtx_lock_sh_quick(&w->m);
		bt_start(test, &t, di_mtx_xwaiter, w, "di-mtx-x");
		BT_WAIT_UNTIL(test, __dfly_mtx_word(&w->m) & MTX_EXWANTED);
		di_reset_calls();
		recursed = mtx_lock_sh_quick(&w->m);
		lock_calls = atomic_read(&di_lock_calls);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&w->m) & MTX_MASK, 3u);
		mtx_unlock(&w->m);
		unlock_calls[0] = atomic_read(&di_unlock_calls);
		mtx_unlock(&w->m);
		unlock_calls[1] = atomic_read(&di_unlock_calls);
		KUNIT_EXPECT_FALSE(test, READ_ONCE(w->in));
		mtx_unlock(&w->m);
		unlock_calls[2] = atomic_read(&di_unlock_calls);
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, recursed, 0);
	KUNIT_EXPECT_EQ(test, lock_calls, 1);
	KUNIT_EXPECT_EQ(test, unlock_calls[0], 1);
	KUNIT_EXPECT_EQ(test, unlock_calls[1], 1);
	KUNIT_EXPECT_EQ(test, unlock_calls[2], 2);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(w->in));
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&w->m) & MTX_MASK, 0u);
	KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);
	KUNIT_EXPECT_EQ(test, di_depth(), depth);
	mtx_uninit(&w->m);
}

/* LK_UPGRADE / LK_EXCLUPGRADE of an inline shared hold (the sole sharer): no report, the
 * thread owns it exclusively (recorded), its inline count back to 0; LK_DOWNGRADE then
 * makes a recorded share, released through the module. */
static void lockmgr_inline_shared_hold_upgrades_and_downgrades(struct kunit *test)
{
	struct lock lk;
	int depth = di_depth();

	lockinit(&lk, "di_lk_up", 0, 0);
	KUNIT_ASSERT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);
	BT_EXPECT_NO_REPORT(test, {
		lockmgr(&lk, LK_SHARED);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_UPGRADE), 0);
		KUNIT_EXPECT_EQ(test, lockstatus(&lk, current), LK_EXCLUSIVE);
		KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), 1ULL);
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);
		KUNIT_EXPECT_EQ(test, di_depth(), depth + 1);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_DOWNGRADE), 0);
		KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), DI_LK_SHARED(1));
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), DI_RECORDED);
		lockmgr(&lk, LK_RELEASE);
		KUNIT_EXPECT_EQ(test, di_depth(), depth);

		lockmgr(&lk, LK_SHARED);
		KUNIT_EXPECT_EQ(test, lockmgr(&lk, LK_EXCLUPGRADE), 0);
		KUNIT_EXPECT_EQ(test, lockstatus(&lk, current), LK_EXCLUSIVE);
		lockmgr(&lk, LK_RELEASE);
	});
	KUNIT_EXPECT_EQ(test, READ_ONCE(lk.lk_count), 0ULL);
	KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);
	KUNIT_EXPECT_EQ(test, di_depth(), depth);
	lockuninit(&lk);
}

/* mtx_upgrade_try of an inline shared hold, mtx_downgrade back, and mtxsleep on an inline
 * shared hold (taken back exclusively, as DragonFly's). */
static void mtx_inline_shared_hold_upgrades_and_downgrades(struct kunit *test)
{
	struct mtx m;
	int depth = di_depth();
	int chan;

	mtx_init(&m, "di_mtx_up");
	KUNIT_ASSERT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);
	BT_EXPECT_NO_REPORT(test, {
		mtx_lock_sh_quick(&m);
		KUNIT_EXPECT_EQ(test, mtx_upgrade_try(&m), 0);
		KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);
		KUNIT_EXPECT_EQ(test, di_depth(), depth + 1);
		mtx_downgrade(&m);
		KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 1u);
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), DI_RECORDED);
		mtx_unlock(&m);
		KUNIT_EXPECT_EQ(test, di_depth(), depth);

		mtx_lock_sh_quick(&m);
		KUNIT_EXPECT_EQ(test, mtxsleep(&chan, &m, 0, "dimtxsh", 1), EWOULDBLOCK);
		KUNIT_EXPECT_TRUE(test, mtx_owned(&m));
		KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);
		mtx_unlock(&m);
	});
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&m), 0u);
	KUNIT_EXPECT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);
	KUNIT_EXPECT_EQ(test, di_depth(), depth);
	mtx_uninit(&m);
}

struct di_sh_owner {
	struct lock lk;
	struct mtx m;
	int locked, release, error;
};

static void di_sh_owner_main(void *arg)
{
	struct di_sh_owner *o = arg;

	lockmgr(&o->lk, LK_SHARED);
	mtx_lock_sh_quick(&o->m);
	smp_store_release(&o->locked, 1);
	while (!smp_load_acquire(&o->release))
		msleep(1);
	mtx_unlock(&o->m);
	lockmgr(&o->lk, LK_RELEASE);
}

/* What the production build keeps for shared holds: a release or an upgrade by a thread that
 * holds neither the lock nor any inline share of the kind, while another thread holds it
 * shared inline: one report each, nothing changed. */
static void misuse_inline_shared_release_by_non_holder_is_reported_once(struct kunit *test)
{
	struct di_sh_owner *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, o);
	lockinit(&o->lk, "di_lk_sh_owner", 0, 0);
	mtx_init(&o->m, "di_mtx_sh_owner");
	KUNIT_ASSERT_EQ(test, di_count(BSDSYNC_DFLY_LK_COUNT), 0);
	KUNIT_ASSERT_EQ(test, di_count(BSDSYNC_DFLY_MTX_COUNT), 0);
	bt_start(test, &t, di_sh_owner_main, o, "di-sh-own");
	BT_WAIT_UNTIL(test, smp_load_acquire(&o->locked));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lockmgr(&o->lk, LK_RELEASE));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lockmgr(&o->lk, LK_UPGRADE));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_unlock(&o->m));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, mtx_upgrade_try(&o->m));
	KUNIT_EXPECT_EQ(test, READ_ONCE(o->lk.lk_count), DI_LK_SHARED(1));
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&o->m), 1u);
	smp_store_release(&o->release, 1);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, READ_ONCE(o->lk.lk_count), 0ULL);
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&o->m), 0u);
	lockuninit(&o->lk);
	mtx_uninit(&o->m);
}

static void di_lk_cancelable_reader(void *arg)
{
	struct di_sh_owner *o = arg;

	WRITE_ONCE(o->error, lockmgr(&o->lk, LK_SHARED | LK_CANCELABLE));
	if (READ_ONCE(o->error) == 0)
		lockmgr(&o->lk, LK_RELEASE);
}

/* LK_CANCEL_BEG by an inline exclusive holder (the module adopts the hold): an
 * LK_SHARED | LK_CANCELABLE request fails with ENOLCK (the inline path never takes a word
 * with an exclusive count or CANCEL); after the release an inline LK_SHARED takes it. */
static void lockmgr_inline_shared_request_fails_under_cancel(struct kunit *test)
{
	struct di_sh_owner *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, o);
	lockinit(&o->lk, "di_lk_cancel", 0, 0);
	WRITE_ONCE(o->error, -1);
	BT_EXPECT_NO_REPORT(test, {
		lockmgr(&o->lk, LK_EXCLUSIVE);
		KUNIT_EXPECT_EQ(test, lockmgr(&o->lk, LK_CANCEL_BEG), 0);
		bt_start(test, &t, di_lk_cancelable_reader, o, "di-lk-cancel");
		bt_join(&t);
		KUNIT_EXPECT_EQ(test, READ_ONCE(o->error), ENOLCK);
		lockmgr(&o->lk, LK_RELEASE);
		di_reset_calls();
		lockmgr(&o->lk, LK_SHARED);
		lockmgr(&o->lk, LK_RELEASE);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&di_lock_calls), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&di_unlock_calls), 0);
	KUNIT_EXPECT_EQ(test, READ_ONCE(o->lk.lk_count), 0ULL);
	lockuninit(&o->lk);
}

#define DI_SH_ROUNDS	5000
struct di_sh_stress {
	struct lock lk;
	struct mtx m;
	unsigned long a, b, c, d;	/* a == b under lk, c == d under m */
	atomic_t torn;
};

static void di_sh_stress_main(void *arg)
{
	struct di_sh_stress *st = arg;
	int i;

	for (i = 0; i < DI_SH_ROUNDS; i++) {
		if (i % 4 == 0) {
			lockmgr(&st->lk, LK_EXCLUSIVE);
			WRITE_ONCE(st->a, st->a + 1);
			WRITE_ONCE(st->b, st->b + 1);
			lockmgr(&st->lk, LK_RELEASE);
			mtx_lock_ex_quick(&st->m);
			WRITE_ONCE(st->c, st->c + 1);
			WRITE_ONCE(st->d, st->d + 1);
			mtx_unlock(&st->m);
		} else {
			lockmgr(&st->lk, LK_SHARED);
			if (READ_ONCE(st->a) != READ_ONCE(st->b))
				atomic_inc(&st->torn);
			lockmgr(&st->lk, LK_RELEASE);
			mtx_lock_sh_quick(&st->m);
			if (READ_ONCE(st->c) != READ_ONCE(st->d))
				atomic_inc(&st->torn);
			mtx_unlock(&st->m);
		}
		if (!(i & 63))
			cond_resched();
	}
}

/* Inline shared and exclusive holds, and the module's when they meet, mixed by three
 * threads: writers exclude readers (no torn pair), nothing lost, every count back to 0. */
static void inline_shared_and_exclusive_holds_exclude_each_other(struct kunit *test)
{
	struct di_sh_stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	struct bt_thread t[3];

	KUNIT_ASSERT_NOT_NULL(test, st);
	lockinit(&st->lk, "di_lk_sh_stress", 0, 0);
	mtx_init(&st->m, "di_mtx_sh_stress");
	BT_EXPECT_NO_REPORT(test, {
		bt_start_n(test, t, 3, di_sh_stress_main, st, 0, "di-sh-st");
		bt_join_n(t, 3);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&st->torn), 0);
	KUNIT_EXPECT_EQ(test, st->a, 3UL * (DI_SH_ROUNDS / 4));
	KUNIT_EXPECT_EQ(test, st->c, 3UL * (DI_SH_ROUNDS / 4));
	KUNIT_EXPECT_EQ(test, READ_ONCE(st->lk.lk_count) & (LKC_XMASK | LKC_SMASK), 0ULL);
	KUNIT_EXPECT_EQ(test, __dfly_mtx_word(&st->m) & MTX_MASK, 0u);
	lockuninit(&st->lk);
	mtx_uninit(&st->m);
}

static struct kunit_case dfly_inline_cases[] = {
	KUNIT_CASE(spin_inline_lock_and_unlock_call_nothing),
	KUNIT_CASE(spin_inline_and_module_holds_release_each_other),
	KUNIT_CASE(spin_inline_unlock_with_a_waiter_hands_over),
	KUNIT_CASE(spin_inline_holds_exclude_each_other),
	KUNIT_CASE(spin_inline_exclusive_and_shared_holds_exclude_each_other),
	KUNIT_CASE(misuse_inline_spin_unlock_of_a_free_spinlock_is_reported_once),
	KUNIT_CASE(misuse_inline_tsleep_holding_a_spinlock_is_reported_once),
	KUNIT_CASE(inline_paths_call_the_module_while_a_sink_is_attached),
	KUNIT_CASE(mtx_inline_lock_and_unlock_call_nothing),
	KUNIT_CASE(mtx_inline_recursion_is_adopted_and_unwinds),
	KUNIT_CASE(mtx_inline_and_module_holds_release_each_other),
	KUNIT_CASE(mtx_inline_unlock_with_a_waiter_hands_over),
	KUNIT_CASE(misuse_inline_mtx_unlock_by_non_owner_is_reported_once),
	KUNIT_CASE(serializer_inline_enter_and_exit_call_nothing),
	KUNIT_CASE(misuse_inline_serializer_recursion_is_reported_once),
	KUNIT_CASE(misuse_inline_serializer_exit_by_non_holder_is_reported_once),
	KUNIT_CASE(token_inline_get_and_release_call_nothing),
	KUNIT_CASE(token_inline_and_module_references_release_each_other),
	KUNIT_CASE(token_inline_hold_is_released_at_a_block_and_retaken),
	KUNIT_CASE(token_inline_release_grants_a_waiter),
	KUNIT_CASE(misuse_inline_reltoken_of_a_token_not_held_is_reported_once),
	KUNIT_CASE(lockmgr_inline_exclusive_and_release_call_nothing),
	KUNIT_CASE(lockmgr_inline_hold_is_adopted_by_the_module),
	KUNIT_CASE(misuse_inline_lockmgr_release_by_non_owner_is_reported_once),
	KUNIT_CASE(lockmgr_inline_shared_and_release_call_nothing),
	KUNIT_CASE(lockmgr_inline_paths_take_flags_known_only_at_run_time),
	KUNIT_CASE(mtx_inline_shared_lock_and_unlock_call_nothing),
	KUNIT_CASE(lockmgr_inline_and_module_shared_holds_release_each_other),
	KUNIT_CASE(mtx_inline_and_module_shared_holds_release_each_other),
	KUNIT_CASE(lockmgr_inline_shared_holder_recurses_past_a_waiter),
	KUNIT_CASE(mtx_inline_shared_holder_recurses_past_a_waiter),
	KUNIT_CASE(lockmgr_inline_shared_hold_upgrades_and_downgrades),
	KUNIT_CASE(mtx_inline_shared_hold_upgrades_and_downgrades),
	KUNIT_CASE(misuse_inline_shared_release_by_non_holder_is_reported_once),
	KUNIT_CASE(lockmgr_inline_shared_request_fails_under_cancel),
	KUNIT_CASE(inline_shared_and_exclusive_holds_exclude_each_other),
	{}
};

/* The inline paths run only while no lock-event sink is attached: on lockdep kernels the
 * lockdep sink is detached for this suite (and attached again after it). */
static int di_lockdep_was;

static int di_suite_init(struct kunit_suite *suite)
{
	di_lockdep_was = bsdsync_test_lockdep(0);
	return 0;
}

static void di_suite_exit(struct kunit_suite *suite)
{
	bsdsync_test_lockdep(di_lockdep_was);
}

static struct kunit_suite dfly_inline_suite = {
	.name = "dragonfly_inline",
	.suite_init = di_suite_init,
	.suite_exit = di_suite_exit,
	.test_cases = dfly_inline_cases,
};
kunit_test_suites(&dfly_inline_suite);
