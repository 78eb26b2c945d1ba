// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * DragonFly spinlock(9) as a ported driver uses it (bsd-api-reference.md section 22):
 * exclusive holds exclude every other holder; shared holds admit many and exclude an
 * exclusive one; spin_trylock never waits; every hold is a critical section (preemption
 * off) with interrupts left on; a holder that tries to block is reported once, naming the
 * spinlock; a release of a spinlock not held is reported and not done; holds are lock
 * events of the registered type "DragonFly spinlock"; spin_pool_lock picks one lock per
 * address.
 *
 * Nothing is asserted while a spinlock is held (KUnit may allocate on failure); values are
 * recorded and checked after the release. Waits inside a hold spin (cpu_relax) with a
 * jiffies bound instead of sleeping.
 */
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/preempt.h>
#include <linux/sched.h>

#include "harness.h"
#include <bsdsync/lock_events.h>

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread2.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>

/* Spin (preemption off, interrupts on) until cond or about 10 s: a hold never sleeps. */
#define SPIN_UNTIL(cond) ({								\
	unsigned long __end = jiffies + 10 * HZ;					\
	while (!(cond) && time_before(jiffies, __end))					\
		cpu_relax();								\
	(cond);										\
})

static struct spinlock static_spin = SPINLOCK_INITIALIZER(&static_spin, "static_spin");

static void spin_lock_is_a_critical_section_with_interrupts_on(struct kunit *test)
{
	struct spinlock s;
	int base = preempt_count(), inside;
	bool preemptible_inside, irqs_off_inside, held_inside, held_after;

	spin_init(&s, "crit");
	spin_lock(&s);
	inside = preempt_count();
	preemptible_inside = preemptible();
	irqs_off_inside = irqs_disabled();
	held_inside = spin_held(&s);
	spin_unlock(&s);
	held_after = spin_held(&s);
	spin_uninit(&s);

	KUNIT_EXPECT_EQ(test, inside, base + 1);
	KUNIT_EXPECT_FALSE(test, preemptible_inside);
	KUNIT_EXPECT_FALSE(test, irqs_off_inside);
	KUNIT_EXPECT_TRUE(test, held_inside);
	KUNIT_EXPECT_FALSE(test, held_after);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
}

static void spinlock_initializer_gives_an_unlocked_named_lock(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, spin_held(&static_spin));
	KUNIT_EXPECT_STREQ(test, static_spin.descr, "static_spin");
	spin_lock(&static_spin);
	spin_unlock(&static_spin);
	KUNIT_EXPECT_FALSE(test, spin_held(&static_spin));
}

/* ---- exclusion, many threads ------------------------------------------------------------ */

#define STRESS_THREADS 4
#define STRESS_ROUNDS 20000

struct spin_stress {
	struct spinlock s;
	unsigned long counter;		/* changed only under s, non-atomically */
	int writers_inside;		/* exclusive holders inside (must stay 0 or 1) */
	int readers_inside;		/* shared holders inside */
	atomic_t bad;			/* overlaps seen */
	atomic_t max_readers;		/* most shared holders seen together */
	int shared_mix;			/* odd threads take it shared */
	int id_next;
};

static void stress_main(void *arg)
{
	struct spin_stress *st = arg;
	int id = __atomic_fetch_add(&st->id_next, 1, __ATOMIC_RELAXED);
	bool shared = st->shared_mix && (id & 1);
	int i;

	for (i = 0; i < STRESS_ROUNDS; i++) {
		if (shared) {
			int r;

			spin_lock_shared(&st->s);
			r = __atomic_add_fetch(&st->readers_inside, 1, __ATOMIC_RELAXED);
			if (READ_ONCE(st->writers_inside))
				atomic_inc(&st->bad);
			if (r > atomic_read(&st->max_readers))
				atomic_set(&st->max_readers, r);
			cpu_relax();
			__atomic_sub_fetch(&st->readers_inside, 1, __ATOMIC_RELAXED);
			spin_unlock_shared(&st->s);
		} else {
			unsigned long c;

			spin_lock(&st->s);
			if (READ_ONCE(st->writers_inside) || READ_ONCE(st->readers_inside))
				atomic_inc(&st->bad);
			WRITE_ONCE(st->writers_inside, 1);
			c = READ_ONCE(st->counter);
			cpu_relax();
			WRITE_ONCE(st->counter, c + 1);
			WRITE_ONCE(st->writers_inside, 0);
			spin_unlock(&st->s);
		}
		if ((i & 255) == 0)
			cond_resched();
	}
}

static void run_stress(struct kunit *test, int shared_mix, struct spin_stress *st)
{
	struct bt_thread t[STRESS_THREADS];

	spin_init(&st->s, "stress");
	st->shared_mix = shared_mix;
	bt_start_n(test, t, STRESS_THREADS, stress_main, st, 0, "dfly-spin");
	bt_join_n(t, STRESS_THREADS);
}

static void spin_lock_excludes_every_other_holder(struct kunit *test)
{
	struct spin_stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, st);
	BT_EXPECT_NO_REPORT(test, run_stress(test, 0, st));
	KUNIT_EXPECT_EQ(test, st->counter, (unsigned long)STRESS_THREADS * STRESS_ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->bad), 0);
	KUNIT_EXPECT_FALSE(test, spin_held(&st->s));
}

static void shared_holders_exclude_exclusive_ones(struct kunit *test)
{
	struct spin_stress *st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, st);
	BT_EXPECT_NO_REPORT(test, run_stress(test, 1, st));
	KUNIT_EXPECT_EQ(test, st->counter, (unsigned long)(STRESS_THREADS / 2) * STRESS_ROUNDS);
	KUNIT_EXPECT_EQ(test, atomic_read(&st->bad), 0);
	KUNIT_EXPECT_FALSE(test, spin_held(&st->s));
}

/* Two threads hold it shared at once: each, holding it, waits until the other holds it. */
struct two_readers {
	struct spinlock s;
	int in[2];
	int saw_other[2];
	int id_next;
};

static void reader_main(void *arg)
{
	struct two_readers *tr = arg;
	int id = __atomic_fetch_add(&tr->id_next, 1, __ATOMIC_RELAXED);

	spin_lock_shared(&tr->s);
	WRITE_ONCE(tr->in[id], 1);
	tr->saw_other[id] = SPIN_UNTIL(READ_ONCE(tr->in[!id]));
	spin_unlock_shared(&tr->s);
}

static void shared_holders_are_many(struct kunit *test)
{
	struct two_readers *tr = kunit_kzalloc(test, sizeof(*tr), GFP_KERNEL);
	struct bt_thread t[2];

	KUNIT_ASSERT_NOT_NULL(test, tr);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs (each reader spins with preemption off)");
	spin_init(&tr->s, "readers");
	bt_start_n(test, t, 2, reader_main, tr, 0, "dfly-rd");
	bt_join_n(t, 2);
	KUNIT_EXPECT_TRUE(test, tr->saw_other[0]);
	KUNIT_EXPECT_TRUE(test, tr->saw_other[1]);
	KUNIT_EXPECT_FALSE(test, spin_held(&tr->s));
}

/* An exclusive acquirer waits for the shared holder, and new shared acquirers wait behind
 * it (SPINLOCK_EXCLWAIT): the exclusive one is not starved. */
struct writer_waits {
	struct spinlock s;
	int go;
	int writer_in;
};

static void writer_main(void *arg)
{
	struct writer_waits *ww = arg;

	while (!smp_load_acquire(&ww->go))
		cpu_relax();
	spin_lock(&ww->s);
	WRITE_ONCE(ww->writer_in, 1);
	spin_unlock(&ww->s);
}

static void exclusive_waits_for_shared_and_blocks_new_shared(struct kunit *test)
{
	struct writer_waits *ww = kunit_kzalloc(test, sizeof(*ww), GFP_KERNEL);
	struct bt_thread t;
	bool exclwait_seen, writer_in_while_shared;

	KUNIT_ASSERT_NOT_NULL(test, ww);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs");
	spin_init(&ww->s, "ww");
	bt_start(test, &t, writer_main, ww, "dfly-wr");	/* before the hold: it sleeps */
	spin_lock_shared(&ww->s);
	smp_store_release(&ww->go, 1);
	exclwait_seen = SPIN_UNTIL(READ_ONCE(ww->s.counta) & SPINLOCK_EXCLWAIT);
	writer_in_while_shared = READ_ONCE(ww->writer_in);
	spin_unlock_shared(&ww->s);
	bt_join(&t);
	KUNIT_EXPECT_TRUE(test, exclwait_seen);
	KUNIT_EXPECT_FALSE(test, writer_in_while_shared);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(ww->writer_in));
	/* The waiter's mark is gone with it. */
	KUNIT_EXPECT_EQ(test, READ_ONCE(ww->s.counta) & ~SPINLOCK_SHARED, 0u);
}

/* ---- the spinner gate: one exclusive waiter polls the word ------------------------------ */

/* These cases play the holder with the word itself (counta = 1: an exclusive hold that no
 * thread here has; released by an atomic COUNT -= 1, which keeps a waiter's EXCLWAIT), so
 * that the test thread may sleep while "holding" it. */
#define GATE_KEY(sp) ((const volatile unsigned long *)&(sp)->counta)

/* Sleep until cond or about 5 s (a liveness bound, well under the RCU stall and soft lockup
 * times of the waiter spinning meanwhile with preemption off). */
#define SLEEP_UNTIL(cond) ({								\
	unsigned long __end = jiffies + 5 * HZ;						\
	while (!(cond) && time_before(jiffies, __end))					\
		usleep_range(500, 1500);						\
	(cond);										\
})

struct gate_waiter {
	struct spinlock s;
	int started;
	int in;
};

static void gate_waiter_main(void *arg)
{
	struct gate_waiter *gw = arg;

	preempt_disable();	/* from the flag straight into the contended spin_lock */
	WRITE_ONCE(gw->started, 1);
	spin_lock(&gw->s);
	WRITE_ONCE(gw->in, 1);
	spin_unlock(&gw->s);
	preempt_enable();
}

static void fake_hold(struct spinlock *s)
{
	__atomic_store_n(&s->counta, 1u, __ATOMIC_RELAXED);
}

static void fake_release(struct spinlock *s)
{
	__atomic_fetch_sub(&s->counta, 1u, __ATOMIC_RELEASE);
}

/* The first exclusive waiter (thread context) becomes the head of the lock's spinner gate
 * and polls the word; while the holder keeps it exclusively it announces itself within a
 * bounded number of polls (EXCLWAIT: no releaser can take the lock again after that). */
static void an_exclusive_waiter_is_the_head_of_the_spinner_gate_and_announces_itself(
	struct kunit *test)
{
	struct gate_waiter *gw = kunit_kzalloc(test, sizeof(*gw), GFP_KERNEL);
	struct bt_thread t;
	bool head, announced;

	KUNIT_ASSERT_NOT_NULL(test, gw);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs (the waiter spins with preemption off)");
	spin_init(&gw->s, "gate head");
	fake_hold(&gw->s);
	bt_start(test, &t, gate_waiter_main, gw, "dfly-gw");
	head = SLEEP_UNTIL(bsdsync_test_spin_gate_head(GATE_KEY(&gw->s)) == GATE_KEY(&gw->s));
	announced = SLEEP_UNTIL(READ_ONCE(gw->s.counta) & SPINLOCK_EXCLWAIT);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(gw->in));
	fake_release(&gw->s);
	bt_join(&t);
	KUNIT_EXPECT_TRUE_MSG(test, head, "the waiter did not claim the lock's spinner gate");
	KUNIT_EXPECT_TRUE_MSG(test, announced, "the gate's head never announced itself");
	KUNIT_EXPECT_TRUE(test, READ_ONCE(gw->in));
	KUNIT_EXPECT_PTR_EQ(test, (void *)bsdsync_test_spin_gate_head(GATE_KEY(&gw->s)), NULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(gw->s.counta) & ~SPINLOCK_SHARED, 0u);
}

/* The point of the gate: while a head polls the word, the exclusive waiters behind it poll
 * the gate, and do not announce themselves (no atomic add on the word). This case holds the
 * gate itself, as a head that never looks: the release is not seen by the waiter until the
 * gate is left. A waiter that polled the word would take the lock at once. */
static void an_exclusive_waiter_behind_the_gate_head_waits_on_the_gate_not_on_the_word(
	struct kunit *test)
{
	struct gate_waiter *gw = kunit_kzalloc(test, sizeof(*gw), GFP_KERNEL);
	struct bt_thread t;
	int in_while_gated;
	unsigned int word_while_gated;

	KUNIT_ASSERT_NOT_NULL(test, gw);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs (the waiter spins with preemption off)");
	spin_init(&gw->s, "gate waiter");
	fake_hold(&gw->s);
	KUNIT_ASSERT_TRUE(test, bsdsync_test_spin_gate_claim(GATE_KEY(&gw->s)));
	bt_start(test, &t, gate_waiter_main, gw, "dfly-gw");
	BT_WAIT_UNTIL(test, READ_ONCE(gw->started));
	msleep(50);			/* it reaches the gate meanwhile */
	fake_release(&gw->s);		/* released, but the "head" does not look */
	msleep(50);			/* the waiter runs meanwhile */
	in_while_gated = READ_ONCE(gw->in);
	word_while_gated = READ_ONCE(gw->s.counta);
	bsdsync_test_spin_gate_leave(GATE_KEY(&gw->s));
	bt_join(&t);
	KUNIT_EXPECT_EQ_MSG(test, in_while_gated, 0,
			    "a waiter behind the gate's head took the lock (it polled the word)");
	KUNIT_EXPECT_EQ_MSG(test, word_while_gated & BSDSYNC_DFLY_SPINLOCK_EXCLWAIT_MASK, 0u,
			    "a waiter behind the gate's head announced itself (word 0x%x)",
			    word_while_gated);
	KUNIT_EXPECT_TRUE(test, READ_ONCE(gw->in));
	KUNIT_EXPECT_PTR_EQ(test, (void *)bsdsync_test_spin_gate_head(GATE_KEY(&gw->s)), NULL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(gw->s.counta) & ~SPINLOCK_SHARED, 0u);
}

/* An interrupt never waits on a gate: the head it would wait for may be the very thread it
 * interrupted. This thread holds the gate (as a head spinning for the lock) and an interrupt
 * on top of it takes the lock: it polls the word, announced at once, and gets it when the
 * holder (another thread, on another CPU) releases. Waiting on the gate would never end. */
struct irq_on_head {
	struct spinlock s;
	int got;
	struct bt_thread releaser;
};

static void irq_on_head_releaser(void *arg)
{
	struct irq_on_head *o = arg;

	/* The interrupt's waiter announced itself: it is past its CAS, polling the word. */
	while (!(READ_ONCE(o->s.counta) & SPINLOCK_EXCLWAIT))
		cpu_relax();
	fake_release(&o->s);
}

static void irq_on_head_lock(void *arg)
{
	struct irq_on_head *o = arg;

	spin_lock(&o->s);
	WRITE_ONCE(o->got, 1);
	spin_unlock(&o->s);
}

static void an_interrupt_on_the_gate_head_polls_the_word(struct kunit *test)
{
	struct irq_on_head *o = kunit_kzalloc(test, sizeof(*o), GFP_KERNEL);
	struct bt_irq_result r;
	int soft;

	KUNIT_ASSERT_NOT_NULL(test, o);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs (the holder releases from the other one)");
	for (soft = 0; soft <= 1; soft++) {
		/* A lockdep class each (one per name): taken only in hard, or only in soft
		 * interrupts. */
		spin_init(&o->s, soft ? "irq on head, soft" : "irq on head, hard");
		o->got = 0;
		fake_hold(&o->s);
		KUNIT_ASSERT_TRUE(test, bsdsync_test_spin_gate_claim(GATE_KEY(&o->s)));
		bt_start(test, &o->releaser, irq_on_head_releaser, o, "dfly-rel");
		bt_in_interrupt_on_this_thread(test, soft, irq_on_head_lock, o,
					       BSDSYNC_RULE_NOT_OWNER, &r);
		bsdsync_test_spin_gate_leave(GATE_KEY(&o->s));
		bt_join(&o->releaser);
		KUNIT_EXPECT_TRUE_MSG(test, READ_ONCE(o->got), "soft %d", soft);
		KUNIT_EXPECT_EQ_MSG(test, r.total, 0ul, "soft %d", soft);
		KUNIT_EXPECT_EQ(test, READ_ONCE(o->s.counta) & ~SPINLOCK_SHARED, 0u);
	}
}

static void spin_trylock_fails_on_a_held_lock_and_takes_a_free_one(struct kunit *test)
{
	struct spinlock s;
	int base = preempt_count(), got_held, got_shared, got_free, after_fail;

	spin_init(&s, "try");
	spin_lock(&s);
	got_held = spin_trylock(&s);
	after_fail = preempt_count();
	spin_unlock(&s);
	spin_lock_shared(&s);
	got_shared = spin_trylock(&s);
	spin_unlock_shared(&s);
	got_free = spin_trylock(&s);
	if (got_free)
		spin_unlock(&s);
	KUNIT_EXPECT_EQ(test, got_held, 0);
	KUNIT_EXPECT_EQ(test, after_fail, base + 1);	/* a failed try leaves no section */
	KUNIT_EXPECT_EQ(test, got_shared, 0);
	KUNIT_EXPECT_EQ(test, got_free, 1);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
}

static void spin_unlock_any_releases_either_hold(struct kunit *test)
{
	struct spinlock s;

	spin_init(&s, "any");
	BT_EXPECT_NO_REPORT(test, {
		spin_lock(&s);
		spin_unlock_any(&s);
		spin_lock_shared(&s);
		spin_unlock_any(&s);
	});
	KUNIT_EXPECT_FALSE(test, spin_held(&s));
}

static void spin_pool_lock_is_one_lock_per_address(struct kunit *test)
{
	static int obj;
	int base = preempt_count(), inside;

	spin_pool_lock(&obj);
	inside = preempt_count();
	spin_pool_unlock(&obj);
	KUNIT_EXPECT_EQ(test, inside, base + 1);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
}

/* ---- misuse ------------------------------------------------------------------------------- */

/* A thread holding a spinlock must not block: tsleep reports it once (naming the spinlock
 * in the console text), does not sleep, and returns EWOULDBLOCK; the lock and the thread go
 * on. */
static void tsleep_holding_a_spinlock_is_reported_and_refused(struct kunit *test)
{
	struct spinlock s;
	struct bt_probe p;
	int chan, error;

	spin_init(&s, "held across tsleep");
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	spin_lock(&s);
	error = tsleep(&chan, 0, "spinheld", 0);
	spin_unlock(&s);
	bt_probe_end(&p);
	bt_expect_one_report_no_sleep(test, &p, "tsleep holding a DragonFly spinlock");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_FALSE(test, spin_held(&s));
	KUNIT_EXPECT_TRUE(test, preemptible());
}

static void spin_unlock_of_a_free_spinlock_is_reported(struct kunit *test)
{
	struct spinlock s;
	int base = preempt_count();

	spin_init(&s, "never locked");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, spin_unlock(&s));
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	KUNIT_EXPECT_FALSE(test, spin_held(&s));
	/* The lock still works. */
	spin_lock(&s);
	spin_unlock(&s);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
}

/* A shared release of an exclusive hold: reported, nothing released (the exclusive release
 * that follows is right). */
static void spin_unlock_shared_of_an_exclusive_hold_is_reported(struct kunit *test)
{
	struct spinlock s;
	int base = preempt_count();
	struct bt_probe p;
	bool held_after_bad;

	spin_init(&s, "wrong mode");
	bt_probe_begin(&p, BSDSYNC_RULE_NOT_OWNER);
	spin_lock(&s);
	spin_unlock_shared(&s);
	held_after_bad = spin_held(&s);
	spin_unlock(&s);
	bt_probe_end(&p);
	bt_expect_one_report_no_sleep(test, &p, "spin_unlock_shared of an exclusive hold");
	KUNIT_EXPECT_TRUE(test, held_after_bad);
	KUNIT_EXPECT_FALSE(test, spin_held(&s));
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
}

/* A shared release by a thread that holds nothing while another thread holds the spinlock
 * shared: the word shows a sharer, the caller's record does not: reported, nothing
 * released (DragonFly's spin_unlock_shared would take the other thread's count away). */
struct sh_holder {
	struct spinlock *s;
	int holding;
	int release;
	int released_in_time;
};

static void sh_holder_main(void *arg)
{
	struct sh_holder *h = arg;

	spin_lock_shared(h->s);
	WRITE_ONCE(h->holding, 1);
	h->released_in_time = SPIN_UNTIL(READ_ONCE(h->release));
	spin_unlock_shared(h->s);
}

static void misuse_spin_unlock_shared_by_a_thread_not_holding_it_is_reported_and_not_done(
	struct kunit *test)
{
	struct spinlock s;
	struct sh_holder h = { .s = &s };
	struct bt_thread t;
	unsigned int word;
	int base = preempt_count();

	spin_init(&s, "shared elsewhere");
	bt_start(test, &t, sh_holder_main, &h, "dfly-spin-sh");
	BT_WAIT_UNTIL(test, READ_ONCE(h.holding));
	word = READ_ONCE(s.counta);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, spin_unlock_shared(&s));
	KUNIT_EXPECT_EQ(test, READ_ONCE(s.counta), word);
	KUNIT_EXPECT_EQ(test, preempt_count(), base);
	WRITE_ONCE(h.release, 1);
	bt_join(&t);
	KUNIT_EXPECT_TRUE(test, h.released_in_time);
	KUNIT_EXPECT_FALSE(test, spin_held(&s));
	KUNIT_EXPECT_EQ(test, READ_ONCE(s.counta) & BSDSYNC_DFLY_SPINLOCK_COUNT_MASK, 0U);
}

/* ---- lock events -------------------------------------------------------------------------- */

static void spinlock_holds_are_lock_events_of_its_type(struct kunit *test)
{
	struct spinlock s;

	spin_init(&s, "events");
	bt_events_start(test);
	spin_lock(&s);
	spin_unlock(&s);
	spin_lock_shared(&s);
	spin_unlock_shared(&s);
	bt_events_stop();

	KUNIT_ASSERT_EQ(test, bt_events.n, 4);
	KUNIT_EXPECT_EQ(test, bt_events.ev[0].kind, BSDSYNC_LE_ACQUIRED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[1].kind, BSDSYNC_LE_RELEASED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[2].kind, BSDSYNC_LE_ACQUIRED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[3].kind, BSDSYNC_LE_RELEASED);
	KUNIT_EXPECT_EQ(test, bt_events.ev[0].flags & BSDSYNC_LE_SHARED, 0);
	KUNIT_EXPECT_EQ(test, bt_events.ev[2].flags & BSDSYNC_LE_SHARED, BSDSYNC_LE_SHARED);
	KUNIT_EXPECT_PTR_EQ(test, bt_events.ev[0].lock, (const void *)&s);
	KUNIT_EXPECT_STREQ(test, bt_events.ev[0].type->name, "DragonFly spinlock");
	KUNIT_EXPECT_TRUE(test, bt_events.ev[0].type->flags & BSDSYNC_LT_PREEMPT_OFF);
	KUNIT_EXPECT_FALSE(test, bt_events.ev[0].type->flags & BSDSYNC_LT_SLEEPABLE);
}

static struct kunit_case spinlock_cases[] = {
	KUNIT_CASE(spin_lock_is_a_critical_section_with_interrupts_on),
	KUNIT_CASE(spinlock_initializer_gives_an_unlocked_named_lock),
	KUNIT_CASE(spin_lock_excludes_every_other_holder),
	KUNIT_CASE(shared_holders_exclude_exclusive_ones),
	KUNIT_CASE(shared_holders_are_many),
	KUNIT_CASE(exclusive_waits_for_shared_and_blocks_new_shared),
	KUNIT_CASE(an_exclusive_waiter_is_the_head_of_the_spinner_gate_and_announces_itself),
	KUNIT_CASE(an_exclusive_waiter_behind_the_gate_head_waits_on_the_gate_not_on_the_word),
	KUNIT_CASE(an_interrupt_on_the_gate_head_polls_the_word),
	KUNIT_CASE(spin_trylock_fails_on_a_held_lock_and_takes_a_free_one),
	KUNIT_CASE(spin_unlock_any_releases_either_hold),
	KUNIT_CASE(spin_pool_lock_is_one_lock_per_address),
	KUNIT_CASE(tsleep_holding_a_spinlock_is_reported_and_refused),
	KUNIT_CASE(spin_unlock_of_a_free_spinlock_is_reported),
	KUNIT_CASE(spin_unlock_shared_of_an_exclusive_hold_is_reported),
	KUNIT_CASE(misuse_spin_unlock_shared_by_a_thread_not_holding_it_is_reported_and_not_done),
	KUNIT_CASE(spinlock_holds_are_lock_events_of_its_type),
	{}
};

static struct kunit_suite spinlock_suite = {
	.name = "dragonfly_spinlock",
	.test_cases = spinlock_cases,
};

kunit_test_suites(&spinlock_suite);
