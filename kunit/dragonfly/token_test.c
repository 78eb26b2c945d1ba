// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * DragonFly's LWKT tokens as a ported driver uses them (bsd-api-reference.md section 23,
 * ../shared/docs/dragonfly-tokens.md): a token is held only while its holder runs. Released
 * whenever the holder blocks (Linux's msleep, a Linux mutex, bsdsync's tsleep), held again
 * before the holder runs its code (checked through an owner field and the token's own
 * word in every section); kept across preemption (a SCHED_FIFO thread on the holder's CPU
 * gets it only after the release); many orders without deadlock (A,B / B,A with sleeps, a
 * Linux mutex inside); shared holders together, an exclusive one alone; trytoken, pool
 * tokens, swap, cnttoken, the held checks, the MP lock; misuse reported once.
 */
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/wait.h>
#include <linux/semaphore.h>
#include <linux/rwsem.h>

#include "harness.h"

#include <bsdsync/testing.h>
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/mplock2.h>
#include <sys/mutex.h>
#include <sys/mutex2.h>
#include <sys/lock.h>

static struct lwkt_token static_token = LWKT_TOKEN_INITIALIZER(static_token);

/* The calling thread holds tok exclusively, by its own stack and by the token's word. */
static bool holds_excl(struct lwkt_token *tok)
{
	return LWKT_TOKEN_HELD_EXCL(tok) && READ_ONCE(tok->t_ref) == curthread &&
	       (READ_ONCE(tok->t_count) & TOK_EXCLUSIVE);
}

/* ---- the basics --------------------------------------------------------------------------- */

static void gettoken_holds_and_reltoken_releases(struct kunit *test)
{
	struct lwkt_token tok;

	lwkt_token_init(&tok, "basic");
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_FALSE(test, LWKT_TOKEN_HELD_ANY(&tok));
		lwkt_gettoken(&tok);
		KUNIT_EXPECT_TRUE(test, holds_excl(&tok));
		ASSERT_LWKT_TOKEN_HELD(&tok);
		ASSERT_LWKT_TOKEN_HELD_EXCL(&tok);
		KUNIT_EXPECT_TRUE(test, TD_TOKS_HELD(curthread));
		lwkt_reltoken(&tok);
		KUNIT_EXPECT_FALSE(test, LWKT_TOKEN_HELD_ANY(&tok));
		KUNIT_EXPECT_EQ(test, tok.t_count, 0L);
		KUNIT_EXPECT_PTR_EQ(test, (void *)tok.t_ref, NULL);
		ASSERT_NO_TOKENS_HELD(curthread);
		lwkt_token_uninit(&tok);
	});
	KUNIT_EXPECT_STREQ(test, static_token.t_desc, "static_token");
}

static void a_token_is_recursive_and_cnttoken_counts_references(struct kunit *test)
{
	struct lwkt_token tok;

	lwkt_token_init(&tok, "recursive");
	BT_EXPECT_NO_REPORT(test, {
		lwkt_gettoken(&tok);
		lwkt_gettoken(&tok);
		lwkt_gettoken_shared(&tok);	/* shared on exclusive: recursion */
		KUNIT_EXPECT_EQ(test, lwkt_cnttoken(&tok, curthread), 3);
		KUNIT_EXPECT_EQ(test, tok.t_count, TOK_EXCLUSIVE);
		KUNIT_EXPECT_EQ(test, lwkt_trytoken(&tok), 1);
		KUNIT_EXPECT_EQ(test, lwkt_cnttoken(&tok, curthread), 4);
		lwkt_reltoken(&tok);
		lwkt_reltoken(&tok);
		lwkt_reltoken(&tok);
		KUNIT_EXPECT_TRUE(test, holds_excl(&tok));
		lwkt_reltoken(&tok);
		KUNIT_EXPECT_EQ(test, lwkt_cnttoken(&tok, curthread), 0);
		KUNIT_EXPECT_EQ(test, tok.t_count, 0L);
	});
}

/* ---- held only while running: Linux msleep, a Linux mutex, tsleep ---------------------- */

struct sleeper {
	struct lwkt_token tok;
	struct mutex mutex;
	int chan;
	int in_sleep;		/* the holder is inside its blocking call */
	int other_took;		/* the other thread took the token meanwhile */
	int other_saw_sleeping;	/* ... and found the holder inside that call every time */
	int lost;		/* the holder returned from a block without the token */
	int asleep;
	int stop;
};

/* The holder: takes the token, then blocks in Linux's msleep until the other thread has
 * taken it; after every msleep it must hold it again. */
static void msleep_holder(void *arg)
{
	struct sleeper *s = arg;
	int i;

	lwkt_gettoken(&s->tok);
	for (i = 0; i < 6000 && !READ_ONCE(s->other_took); i++) {
		WRITE_ONCE(s->in_sleep, 1);
		smp_store_release(&s->asleep, 1);
		msleep(10);
		WRITE_ONCE(s->in_sleep, 0);
		if (!holds_excl(&s->tok))
			s->lost++;
	}
	lwkt_reltoken(&s->tok);
}

/* The other thread: takes the token the holder keeps, in its section the holder must be
 * blocked. */
static void take_while_holder_blocks(struct kunit *test, struct sleeper *s)
{
	BT_WAIT_UNTIL(test, smp_load_acquire(&s->asleep));
	lwkt_gettoken(&s->tok);
	s->other_saw_sleeping = READ_ONCE(s->in_sleep);
	KUNIT_EXPECT_TRUE(test, holds_excl(&s->tok));
	msleep(20);	/* a block of our own, holding it */
	if (!READ_ONCE(s->in_sleep))
		s->other_saw_sleeping = 0;
	KUNIT_EXPECT_TRUE(test, holds_excl(&s->tok));
	WRITE_ONCE(s->other_took, 1);
	lwkt_reltoken(&s->tok);
}

static void a_token_is_released_while_its_holder_sleeps_in_linux_msleep(struct kunit *test)
{
	struct sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lwkt_token_init(&s->tok, "msleep");
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &t, msleep_holder, s, "dfly-tok-ms");
		take_while_holder_blocks(test, s);
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, s->other_took, 1);
	KUNIT_EXPECT_EQ(test, s->other_saw_sleeping, 1);
	KUNIT_EXPECT_EQ(test, s->lost, 0);
	KUNIT_EXPECT_EQ(test, s->tok.t_count, 0L);
}

/* T1 holds the token and blocks on a Linux mutex the test holds; the test takes the token
 * (a mutex-mapped token would deadlock here), releases both; T1 holds the token when
 * mutex_lock returns. */
static void mutex_holder(void *arg)
{
	struct sleeper *s = arg;

	lwkt_gettoken(&s->tok);
	WRITE_ONCE(s->in_sleep, 1);
	smp_store_release(&s->asleep, 1);
	mutex_lock(&s->mutex);
	WRITE_ONCE(s->in_sleep, 0);
	if (!holds_excl(&s->tok))
		s->lost++;
	mutex_unlock(&s->mutex);
	lwkt_reltoken(&s->tok);
}

static void a_token_is_released_while_its_holder_waits_for_a_linux_mutex(struct kunit *test)
{
	struct sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lwkt_token_init(&s->tok, "mutex");
	mutex_init(&s->mutex);
	BT_EXPECT_NO_REPORT(test, {
		mutex_lock(&s->mutex);
		bt_start(test, &t, mutex_holder, s, "dfly-tok-mx");
		BT_WAIT_UNTIL(test, smp_load_acquire(&s->asleep));
		lwkt_gettoken(&s->tok);		/* T1 must block in mutex_lock to let us */
		s->other_saw_sleeping = READ_ONCE(s->in_sleep);
		KUNIT_EXPECT_TRUE(test, holds_excl(&s->tok));
		lwkt_reltoken(&s->tok);
		mutex_unlock(&s->mutex);
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, s->other_saw_sleeping, 1);
	KUNIT_EXPECT_EQ(test, s->lost, 0);
	KUNIT_EXPECT_EQ(test, s->tok.t_count, 0L);
}

/* The same for every other way Linux code blocks that a test can force: each blocks the
 * holder in a Linux primitive the test controls; the test takes the token meanwhile (it
 * would wait forever if the block kept the token: the holder waits for the test), then lets
 * the holder go, which must hold the token again when its blocking call returns. (A
 * kmalloc(GFP_KERNEL) that blocks in reclaim and a page fault that waits for I/O cannot be
 * forced here without risking the guest's OOM killer; they block through the same
 * schedule(), which is all the switch hook sees.) */
struct linux_blocker {
	struct lwkt_token tok;
	struct completion done;
	struct semaphore sem;
	struct rw_semaphore rwsem;
	wait_queue_head_t wq;
	int go;
	int in_block;
	int asleep;
	int other_saw_blocked;
	int lost;
	struct task_struct *holder;
	const struct linux_block *how;
};

struct linux_block {
	const char *what;
	void (*arm)(struct linux_blocker *b);		/* the test, before the holder starts */
	void (*block)(struct linux_blocker *b);		/* the holder, token held */
	void (*release)(struct linux_blocker *b);	/* the test: let the holder go */
};

static void lb_arm_none(struct linux_blocker *b) { }
static void lb_block_completion(struct linux_blocker *b) { wait_for_completion(&b->done); }
static void lb_release_completion(struct linux_blocker *b) { complete(&b->done); }
static void lb_block_wait_event(struct linux_blocker *b) { wait_event(b->wq, READ_ONCE(b->go)); }
static void lb_release_wait_event(struct linux_blocker *b)
{
	WRITE_ONCE(b->go, 1);
	wake_up(&b->wq);
}
static void lb_block_semaphore(struct linux_blocker *b) { down(&b->sem); }
static void lb_release_semaphore(struct linux_blocker *b) { up(&b->sem); }
static void lb_arm_rwsem(struct linux_blocker *b) { down_write(&b->rwsem); }
static void lb_block_rwsem(struct linux_blocker *b)
{
	down_read(&b->rwsem);
	up_read(&b->rwsem);
}
static void lb_release_rwsem(struct linux_blocker *b) { up_write(&b->rwsem); }
static void lb_block_schedule(struct linux_blocker *b)
{
	/* A bare schedule() in TASK_UNINTERRUPTIBLE, as driver code writes its own waits. */
	for (;;) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		if (READ_ONCE(b->go))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}
static void lb_release_schedule(struct linux_blocker *b)
{
	WRITE_ONCE(b->go, 1);
	wake_up_process(b->holder);
}

static const struct linux_block linux_blocks[] = {
	{ "wait_for_completion", lb_arm_none, lb_block_completion, lb_release_completion },
	{ "wait_event", lb_arm_none, lb_block_wait_event, lb_release_wait_event },
	{ "down (semaphore)", lb_arm_none, lb_block_semaphore, lb_release_semaphore },
	{ "down_read (rw_semaphore)", lb_arm_rwsem, lb_block_rwsem, lb_release_rwsem },
	{ "schedule in TASK_UNINTERRUPTIBLE", lb_arm_none, lb_block_schedule,
	  lb_release_schedule },
};

static void linux_block_holder(void *arg)
{
	struct linux_blocker *b = arg;

	b->holder = current;
	lwkt_gettoken(&b->tok);
	WRITE_ONCE(b->in_block, 1);
	smp_store_release(&b->asleep, 1);
	b->how->block(b);
	WRITE_ONCE(b->in_block, 0);
	if (!holds_excl(&b->tok))
		b->lost++;
	lwkt_reltoken(&b->tok);
}

static void a_token_is_released_while_its_holder_blocks_in_any_linux_wait(struct kunit *test)
{
	struct linux_blocker *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct bt_thread t;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (i = 0; i < ARRAY_SIZE(linux_blocks); i++) {
		memset(b, 0, sizeof(*b));
		b->how = &linux_blocks[i];
		lwkt_token_init(&b->tok, "linux-block");
		init_completion(&b->done);
		sema_init(&b->sem, 0);
		init_rwsem(&b->rwsem);
		init_waitqueue_head(&b->wq);
		BT_EXPECT_NO_REPORT(test, {
			b->how->arm(b);
			bt_start(test, &t, linux_block_holder, b, "dfly-tok-lb");
			BT_WAIT_UNTIL(test, smp_load_acquire(&b->asleep));
			lwkt_gettoken(&b->tok);	/* the holder must block to let us */
			b->other_saw_blocked = READ_ONCE(b->in_block);
			KUNIT_EXPECT_TRUE_MSG(test, holds_excl(&b->tok), "%s", b->how->what);
			lwkt_reltoken(&b->tok);
			b->how->release(b);
			bt_join(&t);
		});
		KUNIT_EXPECT_EQ_MSG(test, b->other_saw_blocked, 1, "%s", b->how->what);
		KUNIT_EXPECT_EQ_MSG(test, b->lost, 0, "%s", b->how->what);
		KUNIT_EXPECT_EQ_MSG(test, b->tok.t_count, 0L, "%s", b->how->what);
		lwkt_token_uninit(&b->tok);
	}
}

/* The same through bsdsync's own tsleep: the holder sleeps on a channel until the other
 * thread, having taken the token meanwhile, wakes it. */
static void tsleep_holder(void *arg)
{
	struct sleeper *s = arg;
	int i;

	lwkt_gettoken(&s->tok);
	for (i = 0; i < 100 && !READ_ONCE(s->other_took); i++) {
		WRITE_ONCE(s->in_sleep, 1);
		tsleep_interlock(&s->chan, 0);
		smp_store_release(&s->asleep, 1);
		tsleep(&s->chan, PINTERLOCKED, "toksleep", hz);
		WRITE_ONCE(s->in_sleep, 0);
		if (!holds_excl(&s->tok))
			s->lost++;
	}
	lwkt_reltoken(&s->tok);
}

static void a_token_is_released_while_its_holder_sleeps_in_tsleep(struct kunit *test)
{
	struct sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lwkt_token_init(&s->tok, "tsleep");
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &t, tsleep_holder, s, "dfly-tok-ts");
		BT_WAIT_UNTIL(test, smp_load_acquire(&s->asleep));
		lwkt_gettoken(&s->tok);
		s->other_saw_sleeping = READ_ONCE(s->in_sleep);
		KUNIT_EXPECT_TRUE(test, holds_excl(&s->tok));
		WRITE_ONCE(s->other_took, 1);
		wakeup(&s->chan);	/* T1 cannot run before we release */
		lwkt_reltoken(&s->tok);
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, s->other_saw_sleeping, 1);
	KUNIT_EXPECT_EQ(test, s->lost, 0);
}

/* msleep returns only when the token is free again: the holder sleeps 10 ms while the test
 * keeps the token busy; its msleep cannot return (its thread cannot run its code) before
 * the test releases. */
static void msleep_returns_only_once_the_token_is_free(struct kunit *test)
{
	struct sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lwkt_token_init(&s->tok, "busy");
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &t, msleep_holder, s, "dfly-tok-bz");
		BT_WAIT_UNTIL(test, smp_load_acquire(&s->asleep));
		lwkt_gettoken(&s->tok);
		/* Busy (no block) well past the holder's 10 ms: it stays inside msleep. */
		for (i = 0; i < 50; i++) {
			mdelay(1);
			if (!READ_ONCE(s->in_sleep))
				s->other_saw_sleeping = -1;
		}
		if (!s->other_saw_sleeping)
			s->other_saw_sleeping = 1;
		WRITE_ONCE(s->other_took, 1);
		lwkt_reltoken(&s->tok);
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, s->other_saw_sleeping, 1);
	KUNIT_EXPECT_EQ(test, s->lost, 0);
}

/* ---- A,B / B,A with blocking in between: no deadlock, never two holders ------------------ */

#define ORDER_THREADS 4

struct order_run {
	struct lwkt_token a, b;
	struct mutex mutex;	/* taken inside the sections when `with_mutex` */
	int with_mutex;
	int chan;
	/* Written only while holding the token named: the owner field each thread sets when
	 * it (again) holds the token, and a counter updated with a slow read-modify-write. */
	struct thread *owner_a, *owner_b;
	int counter_a, counter_b;
	atomic_t expected_a, expected_b;
	unsigned long deadline;
	atomic_t sections;
	atomic_t violations;
	int next_id;
};

/*
 * One stretch between blocking points while holding tok: nobody else may write its owner
 * field or its counter meanwhile (a thread running without its token would).
 */
static void order_stretch(struct order_run *r, struct lwkt_token *tok, struct thread **owner,
			  int *counter, atomic_t *expected)
{
	int v, k;

	if (!holds_excl(tok))
		atomic_inc(&r->violations);
	WRITE_ONCE(*owner, curthread);
	v = READ_ONCE(*counter);
	for (k = 0; k < 50; k++)
		cpu_relax();
	if (READ_ONCE(*owner) != curthread)
		atomic_inc(&r->violations);
	WRITE_ONCE(*counter, v + 1);
	atomic_inc(expected);
}

static void order_block(struct order_run *r, unsigned int n)
{
	switch (n % 4) {
	case 0:
		msleep(1);
		break;
	case 1:
		tsleep(&r->chan, 0, "order", 1);
		break;
	case 2:
		cond_resched();
		break;
	default:
		break;
	}
}

static void order_main(void *arg)
{
	struct order_run *r = arg;
	int id = __atomic_fetch_add(&r->next_id, 1, __ATOMIC_RELAXED);
	unsigned int n = 0;

	while (time_before(jiffies, r->deadline)) {
		bool ab = ((id + n) & 1) == 0;
		struct lwkt_token *first = ab ? &r->a : &r->b, *second = ab ? &r->b : &r->a;
#define STRETCH(tok) order_stretch(r, (tok), (tok) == &r->a ? &r->owner_a : &r->owner_b, \
				   (tok) == &r->a ? &r->counter_a : &r->counter_b,	\
				   (tok) == &r->a ? &r->expected_a : &r->expected_b)
		lwkt_gettoken(first);
		STRETCH(first);
		order_block(r, n);		/* the first token is given up meanwhile */
		STRETCH(first);
		lwkt_gettoken(second);		/* may block too */
		STRETCH(first);
		STRETCH(second);
		if (r->with_mutex) {
			mutex_lock(&r->mutex);
			STRETCH(first);
			STRETCH(second);
			if (n & 1)
				msleep(1);
			mutex_unlock(&r->mutex);
		} else if (n & 1) {
			msleep(1);
		}
		STRETCH(first);
		STRETCH(second);
#undef STRETCH
		atomic_inc(&r->sections);
		lwkt_reltoken(second);
		lwkt_reltoken(first);
		n++;
		if (!(n & 7))
			cond_resched();
	}
}

static void run_orders(struct kunit *test, int with_mutex)
{
	struct order_run *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread t[ORDER_THREADS];

	KUNIT_ASSERT_NOT_NULL(test, r);
	lwkt_token_init(&r->a, "order-a");
	lwkt_token_init(&r->b, "order-b");
	mutex_init(&r->mutex);
	r->with_mutex = with_mutex;
	r->deadline = jiffies + 2 * HZ;
	BT_EXPECT_NO_REPORT(test, {
		bt_start_n(test, t, ORDER_THREADS, order_main, r, 0, "dfly-tok-ab");
		bt_join_n(t, ORDER_THREADS);
	});
	KUNIT_EXPECT_EQ(test, atomic_read(&r->violations), 0);
	KUNIT_EXPECT_EQ(test, r->counter_a, atomic_read(&r->expected_a));
	KUNIT_EXPECT_EQ(test, r->counter_b, atomic_read(&r->expected_b));
	KUNIT_EXPECT_GT(test, atomic_read(&r->sections), 0);
	KUNIT_EXPECT_EQ(test, r->a.t_count, 0L);
	KUNIT_EXPECT_EQ(test, r->b.t_count, 0L);
	kunit_info(test, "%d sections", atomic_read(&r->sections));
}

static void tokens_taken_in_both_orders_with_sleeps_never_deadlock(struct kunit *test)
{
	run_orders(test, 0);
}

static void tokens_in_both_orders_around_a_linux_mutex_never_deadlock(struct kunit *test)
{
	run_orders(test, 1);
}

/* ---- preemption keeps the token ------------------------------------------------------------ */

struct preempt_run {
	struct lwkt_token tok;
	int holding;		/* the holder took it */
	int asked;		/* the FIFO thread asks for it */
	int released;		/* the holder is about to release it */
	int got_before_release;	/* the FIFO thread got it before that */
	int holder_lost;	/* the holder found it gone after being preempted */
	struct completion fifo_done, holder_done;
};

static int preempt_holder(void *arg)
{
	struct preempt_run *p = arg;
	unsigned long i;

	lwkt_gettoken(&p->tok);
	smp_store_release(&p->holding, 1);
	/* Busy, never blocking: the FIFO thread preempts us here. */
	while (!smp_load_acquire(&p->asked))
		cpu_relax();
	for (i = 0; i < 200000; i++)
		cpu_relax();
	if (!holds_excl(&p->tok))
		p->holder_lost = 1;
	smp_store_release(&p->released, 1);
	lwkt_reltoken(&p->tok);
	complete(&p->holder_done);
	return 0;
}

static int preempt_fifo(void *arg)
{
	struct preempt_run *p = arg;

	smp_store_release(&p->asked, 1);
	lwkt_gettoken(&p->tok);
	if (!smp_load_acquire(&p->released))
		p->got_before_release = 1;
	lwkt_reltoken(&p->tok);
	complete(&p->fifo_done);
	return 0;
}

static void a_preempted_holder_keeps_its_token(struct kunit *test)
{
	struct preempt_run *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	struct task_struct *holder, *fifo;
	int cpu = cpumask_first(cpu_online_mask);

	KUNIT_ASSERT_NOT_NULL(test, p);
	if (!IS_ENABLED(CONFIG_PREEMPTION))
		kunit_skip(test, "needs a preemptible kernel (the FIFO thread must preempt)");
	lwkt_token_init(&p->tok, "preempted");
	init_completion(&p->fifo_done);
	init_completion(&p->holder_done);
	BT_EXPECT_NO_REPORT(test, {
		holder = kthread_create(preempt_holder, p, "dfly-tok-ph");
		KUNIT_ASSERT_FALSE(test, IS_ERR(holder));
		kthread_bind(holder, cpu);
		get_task_struct(holder);
		wake_up_process(holder);
		BT_WAIT_UNTIL(test, smp_load_acquire(&p->holding));
		fifo = kthread_create(preempt_fifo, p, "dfly-tok-pf");
		KUNIT_ASSERT_FALSE(test, IS_ERR(fifo));
		kthread_bind(fifo, cpu);
		sched_set_fifo(fifo);
		get_task_struct(fifo);
		wake_up_process(fifo);
		wait_for_completion(&p->fifo_done);
		wait_for_completion(&p->holder_done);
		put_task_struct(fifo);
		put_task_struct(holder);
	});
	KUNIT_EXPECT_EQ(test, p->got_before_release, 0);
	KUNIT_EXPECT_EQ(test, p->holder_lost, 0);
	KUNIT_EXPECT_EQ(test, p->tok.t_count, 0L);
}

/* ---- woken or preempted before it blocks: still held ------------------------------------ */

struct early_run {
	struct lwkt_token tok;
	int ready;		/* the holder set its sleep state */
	int woken;		/* the test woke it (before it called schedule()) */
	int lost;
};

static void early_holder(void *arg)
{
	struct early_run *e = arg;
	int i;

	lwkt_gettoken(&e->tok);
	set_current_state(TASK_UNINTERRUPTIBLE);
	smp_store_release(&e->ready, 1);
	/* Busy in that state until woken: a preemption here (this kernel preempts) is not a
	 * block, and neither is the schedule() below once we are woken. */
	for (i = 0; i < 100000000 && !smp_load_acquire(&e->woken); i++)
		cpu_relax();
	schedule();
	__set_current_state(TASK_RUNNING);
	if (!holds_excl(&e->tok))
		e->lost = 1;
	lwkt_reltoken(&e->tok);
}

static void a_holder_woken_before_it_blocks_keeps_its_token(struct kunit *test)
{
	struct early_run *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, e);
	lwkt_token_init(&e->tok, "early");
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &t, early_holder, e, "dfly-tok-ea");
		BT_WAIT_UNTIL(test, smp_load_acquire(&e->ready));
		/* It has not blocked: the token is still its own. */
		KUNIT_EXPECT_EQ(test, lwkt_trytoken(&e->tok), 0);
		wake_up_process(t.task);
		smp_store_release(&e->woken, 1);
		KUNIT_EXPECT_EQ(test, lwkt_trytoken(&e->tok), 0);
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, e->lost, 0);
	KUNIT_EXPECT_EQ(test, e->tok.t_count, 0L);
}

/* DragonFly exempts tokens from order checks: witness sees A,B then B,A and says nothing. */
static void witness_ignores_token_order(struct kunit *test)
{
	struct lwkt_token a, b;
	int was = bsdsync_test_witness(1);

	lwkt_token_init(&a, "witness-a");
	lwkt_token_init(&b, "witness-b");
	BT_EXPECT_NO_REPORT(test, {
		lwkt_gettoken(&a);
		lwkt_gettoken(&b);
		lwkt_reltoken(&b);
		lwkt_reltoken(&a);
		lwkt_gettoken(&b);
		lwkt_gettoken(&a);
		lwkt_reltoken(&a);
		lwkt_reltoken(&b);
	});
	bsdsync_test_witness(was);
}

/* ---- shared tokens ------------------------------------------------------------------------ */

#define SHARERS 3

struct share_run {
	struct lwkt_token tok;
	atomic_t inside;
	int max_inside;
	int excl_saw_sharers;	/* the exclusive holder found a sharer inside */
	int excl_asked;
	int go;
};

static void sharer_main(void *arg)
{
	struct share_run *r = arg;
	int n;

	lwkt_gettoken_shared(&r->tok);
	n = atomic_inc_return(&r->inside);
	if (n > READ_ONCE(r->max_inside))
		WRITE_ONCE(r->max_inside, n);
	/* Never blocking while holding it (a block would release it): all of us inside at
	 * once, then out only after the exclusive asker has asked. */
	while (atomic_read(&r->inside) < SHARERS && !READ_ONCE(r->go))
		cpu_relax();
	WRITE_ONCE(r->go, 1);
	while (!smp_load_acquire(&r->excl_asked))
		cpu_relax();
	atomic_dec(&r->inside);
	lwkt_reltoken(&r->tok);
}

static void shared_tokens_admit_many_holders_and_exclude_an_exclusive_one(struct kunit *test)
{
	struct share_run *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct bt_thread t[SHARERS];

	KUNIT_ASSERT_NOT_NULL(test, r);
	lwkt_token_init(&r->tok, "shared");
	BT_EXPECT_NO_REPORT(test, {
		bt_start_n(test, t, SHARERS, sharer_main, r, 0, "dfly-tok-sh");
		BT_WAIT_UNTIL(test, READ_ONCE(r->go));
		smp_store_release(&r->excl_asked, 1);
		lwkt_gettoken(&r->tok);
		if (atomic_read(&r->inside) != 0)
			r->excl_saw_sharers = 1;
		KUNIT_EXPECT_TRUE(test, holds_excl(&r->tok));
		lwkt_reltoken(&r->tok);
		bt_join_n(t, SHARERS);
	});
	KUNIT_EXPECT_EQ(test, r->max_inside, SHARERS);
	KUNIT_EXPECT_EQ(test, r->excl_saw_sharers, 0);
	KUNIT_EXPECT_EQ(test, r->tok.t_count, 0L);
}

/* ---- trytoken, pool tokens, swap -------------------------------------------------------- */

struct hold_run {
	struct lwkt_token *tok;
	int holding;
	int release;
	int cnt_seen;
};

static void hold_main(void *arg)
{
	struct hold_run *h = arg;

	lwkt_gettoken(h->tok);
	lwkt_gettoken(h->tok);
	smp_store_release(&h->holding, 1);
	/* Busy, not blocking: a block would release the token. */
	while (!smp_load_acquire(&h->release))
		cpu_relax();
	lwkt_reltoken(h->tok);
	lwkt_reltoken(h->tok);
}

static void trytoken_fails_on_a_token_another_thread_holds(struct kunit *test)
{
	struct lwkt_token tok;
	struct hold_run h = { .tok = &tok };
	struct bt_thread t;

	lwkt_token_init(&tok, "try");
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_EQ(test, lwkt_trytoken(&tok), 1);
		lwkt_reltoken(&tok);
		bt_start(test, &t, hold_main, &h, "dfly-tok-try");
		BT_WAIT_UNTIL(test, smp_load_acquire(&h.holding));
		BT_EXPECT_NO_SLEEP(test, KUNIT_EXPECT_EQ(test, lwkt_trytoken(&tok), 0));
		KUNIT_EXPECT_FALSE(test, LWKT_TOKEN_HELD_ANY(&tok));
		/* cnttoken of another thread: its two references. */
		KUNIT_EXPECT_EQ(test, lwkt_cnttoken(&tok, (thread_t)t.task), 2);
		smp_store_release(&h.release, 1);
		bt_join(&t);
		KUNIT_EXPECT_EQ(test, lwkt_trytoken(&tok), 1);
		lwkt_reltoken(&tok);
	});
}

/*
 * A release does not hand the token to a thread that sleeps waiting for it (token.cpp: a
 * thread-context waiter is woken to take it itself): the releaser, still running, may take
 * it again at once. This thread (A) holds the token shared (no running exclusive holder to
 * spin on: B spins its bounded while and blocks); once B waits (a token waiter linked, B
 * off its CPU), A releases and tries the token at once. Before, the release granted it to B while B slept,
 * so the try failed, or succeeded only after B had run its section (the convoy of the
 * bench's dfly_token at 4 threads). A round where B did not block, or was woken and took
 * the token first, is played again, up to 20.
 * B gets the token after A's second release.
 */
struct sleeper_run {
	struct lwkt_token *tok;
	int go, got;
};

static void sleeping_waiter(void *arg)
{
	struct sleeper_run *r = arg;

	while (!smp_load_acquire(&r->go))
		usleep_range(100, 200);
	lwkt_gettoken(r->tok);
	WRITE_ONCE(r->got, 1);
	lwkt_reltoken(r->tok);
}

/* A token waiter is linked and t sleeps: off its CPU, not running. */
static bool sleeps_waiting(struct task_struct *t)
{
	return READ_ONCE(dfly_lwkt_nwaiting) && READ_ONCE(t->__state) != TASK_RUNNING &&
	       !READ_ONCE(t->on_cpu);
}

static void a_release_does_not_hand_the_token_to_a_sleeping_waiter(struct kunit *test)
{
	struct lwkt_token tok;
	struct sleeper_run r = { .tok = &tok };
	int round, waited = 0, won = 0;
	struct bt_thread b;

	lwkt_token_init(&tok, "no-handoff");
	for (round = 0; round < 20 && !won; round++) {
		u64 end = ktime_get_ns() + 2 * NSEC_PER_SEC;

		WRITE_ONCE(r.got, 0);
		WRITE_ONCE(r.go, 0);
		bt_start(test, &b, sleeping_waiter, &r, "dfly-tok-sleeper");
		lwkt_gettoken_shared(&tok);
		smp_store_release(&r.go, 1);
		/* Busy, not blocking: a block would release the token. Until B waits and has
		 * switched out (a granted thread still switching out would give the token back
		 * at its switch-out, and let us take it, before). */
		while (!(waited = sleeps_waiting(b.task)) && ktime_get_ns() < end)
			cpu_relax();
		lwkt_reltoken(&tok);
		if (waited && lwkt_trytoken(&tok)) {
			/* Held now: B has not had it yet, or had it already (granted). */
			won = READ_ONCE(r.got) == 0;
			KUNIT_EXPECT_TRUE(test, holds_excl(&tok));
			lwkt_reltoken(&tok);
		}
		bt_join(&b);
		KUNIT_EXPECT_EQ(test, READ_ONCE(r.got), 1);
	}
	KUNIT_EXPECT_TRUE_MSG(test, won,
			      "in %d rounds the release never left the token to its releaser (B waited in the last: %d)",
			      round, waited);
	if (won)
		kunit_info(test, "the releaser took the token again while B slept (round %d)",
			   round);
	lwkt_token_uninit(&tok);
}

static void pool_tokens_are_found_by_address(struct kunit *test)
{
	int object[4];
	struct lwkt_token *tok;

	BT_EXPECT_NO_REPORT(test, {
		tok = lwkt_getpooltoken(&object[0]);
		KUNIT_EXPECT_PTR_EQ(test, tok, lwkt_token_pool_lookup(&object[0]));
		KUNIT_EXPECT_PTR_EQ(test, tok, lwkt_token_pool_lookup(&object[0]));
		KUNIT_EXPECT_TRUE(test, holds_excl(tok));
		lwkt_relpooltoken(&object[0]);
		KUNIT_EXPECT_FALSE(test, LWKT_TOKEN_HELD_ANY(tok));
	});
}

static void token_swap_lets_the_older_token_go_first(struct kunit *test)
{
	struct lwkt_token a, b;

	lwkt_token_init(&a, "swap-a");
	lwkt_token_init(&b, "swap-b");
	BT_EXPECT_NO_REPORT(test, {
		lwkt_gettoken(&a);
		lwkt_gettoken(&b);
		lwkt_token_swap();
		lwkt_reltoken(&a);	/* now the newest */
		KUNIT_EXPECT_FALSE(test, LWKT_TOKEN_HELD_ANY(&a));
		KUNIT_EXPECT_TRUE(test, holds_excl(&b));
		lwkt_reltoken(&b);
	});
	KUNIT_EXPECT_EQ(test, a.t_count, 0L);
	KUNIT_EXPECT_EQ(test, b.t_count, 0L);
}

/* ---- the MP lock ------------------------------------------------------------------------- */

static void mplock_holder(void *arg)
{
	struct sleeper *s = arg;

	get_mplock();
	smp_store_release(&s->asleep, 1);
	msleep(20);		/* released meanwhile */
	if (!MP_LOCK_HELD())
		s->lost++;
	rel_mplock();
}

static void the_mp_lock_is_the_mp_token(struct kunit *test)
{
	struct sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	BT_EXPECT_NO_REPORT(test, {
		KUNIT_EXPECT_FALSE(test, MP_LOCK_HELD());
		get_mplock();
		KUNIT_EXPECT_TRUE(test, MP_LOCK_HELD());
		ASSERT_MP_LOCK_HELD();
		KUNIT_EXPECT_NE(test, try_mplock(), 0);		/* recursive */
		KUNIT_EXPECT_EQ(test, get_mplock_count(curthread), 2);
		rel_mplock();
		rel_mplock();
		KUNIT_EXPECT_FALSE(test, MP_LOCK_HELD());
		/* Released while its holder sleeps: we get it meanwhile. */
		bt_start(test, &t, mplock_holder, s, "dfly-tok-mp");
		BT_WAIT_UNTIL(test, smp_load_acquire(&s->asleep));
		get_mplock();
		KUNIT_EXPECT_TRUE(test, MP_LOCK_HELD());
		rel_mplock();
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, s->lost, 0);
	KUNIT_EXPECT_STREQ(test, mp_token.t_desc, "mp_token");
}

/* ---- checkers and misuse ------------------------------------------------------------------ */

static void sleeping_with_a_token_is_not_reported(struct kunit *test)
{
	struct lwkt_token tok;
	int chan;

	lwkt_token_init(&tok, "sleepy");
	BT_EXPECT_NO_REPORT(test, {
		lwkt_gettoken(&tok);
		KUNIT_EXPECT_EQ(test, bsdsync_test_check_may_sleep(NULL, "test", __FILE__,
								   __LINE__), 0);
		KUNIT_EXPECT_EQ(test, tsleep(&chan, 0, "tok", 1), EWOULDBLOCK);
		KUNIT_EXPECT_TRUE(test, holds_excl(&tok));
		lwkt_reltoken(&tok);
	});
}

static void reltoken_of_a_token_not_held_is_reported(struct kunit *test)
{
	struct lwkt_token tok;

	lwkt_token_init(&tok, "not-held");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_NOT_OWNER, lwkt_reltoken(&tok));
	KUNIT_EXPECT_EQ(test, tok.t_count, 0L);
	/* The token goes on working. */
	BT_EXPECT_NO_REPORT(test, {
		lwkt_gettoken(&tok);
		lwkt_reltoken(&tok);
	});
}

static void exclusive_after_shared_on_one_token_is_reported(struct kunit *test)
{
	struct lwkt_token tok;

	lwkt_token_init(&tok, "s-then-x");
	lwkt_gettoken_shared(&tok);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_RECURSION, lwkt_gettoken(&tok));
	KUNIT_EXPECT_EQ(test, lwkt_cnttoken(&tok, curthread), 2);
	BT_EXPECT_NO_REPORT(test, {
		lwkt_reltoken(&tok);
		lwkt_reltoken(&tok);
	});
	KUNIT_EXPECT_EQ(test, tok.t_count, 0L);
	BT_EXPECT_NO_REPORT(test, {
		lwkt_gettoken(&tok);
		lwkt_reltoken(&tok);
	});
}

static void exit_holder(void *arg)
{
	struct lwkt_token *tok = arg;

	lwkt_gettoken(tok);	/* and exits holding it */
}

static void a_thread_exiting_with_a_token_is_reported_and_the_token_freed(struct kunit *test)
{
	struct lwkt_token tok;
	struct bt_thread t;
	unsigned long before = bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD);

	lwkt_token_init(&tok, "exit");
	bt_start(test, &t, exit_holder, &tok, "dfly-tok-ex");
	bt_join(&t);
	BT_WAIT_UNTIL(test, bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD) != before);
	KUNIT_EXPECT_EQ(test, bsdsync_report_count(BSDSYNC_RULE_EXIT_HELD) - before, 1UL);
	BT_WAIT_UNTIL(test, READ_ONCE(tok.t_count) == 0);
	BT_EXPECT_NO_REPORT(test, {
		lwkt_gettoken(&tok);
		lwkt_reltoken(&tok);
	});
}

/* ---- the switch hook kept after the last release (token.cpp top) ------------------------ */

/* The holder takes and releases the token first (its switch hook then stays registered with
 * no reference), blocks once holding nothing, then takes it again (the inline path, hook
 * registered already) and blocks in msleep as msleep_holder does: still released at the
 * block and held again after it. */
static void again_holder(void *arg)
{
	struct sleeper *s = arg;

	lwkt_gettoken(&s->tok);
	lwkt_reltoken(&s->tok);
	msleep(1);	/* a block with the hook registered and no reference */
	msleep_holder(s);
}

static void a_token_taken_again_after_the_last_release_is_released_at_a_block(struct kunit *test)
{
	struct sleeper *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct bt_thread t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	lwkt_token_init(&s->tok, "again");
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &t, again_holder, s, "dfly-tok-ag");
		take_while_holder_blocks(test, s);
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, s->other_took, 1);
	KUNIT_EXPECT_EQ(test, s->other_saw_sleeping, 1);
	KUNIT_EXPECT_EQ(test, s->lost, 0);
	KUNIT_EXPECT_EQ(test, s->tok.t_count, 0L);
}

/* bsdsync's module: the one this test module uses (its dependency list). */
static struct module *bsdsync_module(void)
{
	struct module_use *use;

	list_for_each_entry(use, &THIS_MODULE->target_list, target_list)
		if (!strcmp(use->target->name, "bsdsync"))
			return use->target;
	return NULL;
}

static void token_user(void *arg)
{
	struct lwkt_token *tok = arg;

	lwkt_gettoken(tok);
	lwkt_reltoken(tok);
	lwkt_gettoken(tok);
	lwkt_reltoken(tok);
}

/* A thread keeps its switch hook, and the module reference it holds, after its last
 * release; its exit drops both (token_thread_exiting; the freeing of its task would drop
 * the reference too, switch_hook.c bsdsync_switch_hook_forget): rmmod works once the
 * threads that used tokens are gone. */
static void a_thread_that_used_tokens_holds_no_module_reference_after_its_exit(struct kunit *test)
{
	struct module *mod = bsdsync_module();
	struct lwkt_token tok;
	struct bt_thread t;
	int before;

	KUNIT_ASSERT_NOT_NULL(test, mod);
	before = module_refcount(mod);
	lwkt_token_init(&tok, "modref");
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &t, token_user, &tok, "dfly-tok-mr");
		bt_join(&t);
	});
	/* The exit hook runs in the thread's exit path, after the function returned. (Not
	 * equal: threads of earlier cases that used tokens may be exiting meanwhile.) */
	BT_WAIT_UNTIL(test, module_refcount(mod) <= before);
	KUNIT_EXPECT_LE(test, module_refcount(mod), before);
	KUNIT_EXPECT_EQ(test, READ_ONCE(tok.t_count), 0L);
}

struct living_user {
	struct lwkt_token *tok;
	struct completion go;
	atomic_t used;
};

static void living_token_user(void *arg)
{
	struct living_user *u = arg;

	lwkt_gettoken(u->tok);
	lwkt_reltoken(u->tok);
	lwkt_gettoken_shared(u->tok);
	lwkt_reltoken(u->tok);
	atomic_set(&u->used, 1);
	wait_for_completion(&u->go);	/* alive and blocked, holding no token */
	lwkt_gettoken(u->tok);		/* the hook comes back for a new token */
	lwkt_reltoken(u->tok);
}

/* A thread that used tokens and then blocks holding none lets its switch hook, and the
 * module reference it holds, go at that block (switch_hook.c bsdsync_switch_hook_detach):
 * rmmod (which needs the count back) works while such a thread still lives. */
static void a_living_thread_that_blocks_holding_no_token_holds_no_module_reference(
	struct kunit *test)
{
	struct module *mod = bsdsync_module();
	struct living_user *u = kunit_kzalloc(test, sizeof(*u), GFP_KERNEL);
	struct lwkt_token tok;
	struct bt_thread t;
	int before;

	KUNIT_ASSERT_NOT_NULL(test, mod);
	KUNIT_ASSERT_NOT_NULL(test, u);
	lwkt_token_init(&tok, "living");
	u->tok = &tok;
	init_completion(&u->go);
	before = module_refcount(mod);
	BT_EXPECT_NO_REPORT(test, {
		bt_start(test, &t, living_token_user, u, "dfly-tok-live");
		BT_WAIT_UNTIL(test, atomic_read(&u->used));
		/* Still alive, blocked in wait_for_completion: its reference goes. (Not equal:
		 * threads of earlier cases may be exiting meanwhile.) */
		BT_WAIT_UNTIL(test, module_refcount(mod) <= before);
		KUNIT_EXPECT_LE(test, module_refcount(mod), before);
		KUNIT_EXPECT_FALSE(test, READ_ONCE(t.task->exit_state));
		complete(&u->go);
		bt_join(&t);
	});
	KUNIT_EXPECT_EQ(test, READ_ONCE(tok.t_count), 0L);
}

/* ---- lwkt_gettoken_hard: the token and a hard code section ------------------------------ */

static void gettoken_hard_holds_the_token_in_a_hard_section_where_tsleep_is_refused(
	struct kunit *test)
{
	struct lwkt_token tok;
	struct bt_probe p;
	unsigned long total;
	int chan, error, crit, hard;
	bool held;

	lwkt_token_init(&tok, "hard");
	total = bsdsync_report_total();
	lwkt_gettoken_hard(&tok);
	held = holds_excl(&tok);
	crit = IN_CRITICAL_SECT(curthread);
	hard = dfly_crit_hard_count();
	ASSERT_LWKT_TOKEN_HARD(&tok);		/* holds: no report */
	ASSERT_LWKT_TOKEN_CRIT(&tok);
	bt_probe_begin(&p, BSDSYNC_RULE_SLEEP_ATOMIC);
	error = tsleep(&chan, 0, "hardslp", 1);	/* DragonFly: no sleep in a hard section */
	bt_probe_end(&p);
	lwkt_reltoken_hard(&tok);
	KUNIT_EXPECT_EQ(test, bsdsync_report_total() - total, 1UL);
	bt_expect_one_report_no_sleep(test, &p, "tsleep in lwkt_gettoken_hard's section");
	KUNIT_EXPECT_EQ(test, error, EWOULDBLOCK);
	KUNIT_EXPECT_TRUE(test, held);
	KUNIT_EXPECT_TRUE(test, crit);
	KUNIT_EXPECT_EQ(test, hard, 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(tok.t_count), 0L);
	KUNIT_EXPECT_EQ(test, dfly_crit_hard_count(), 0);
	KUNIT_EXPECT_FALSE(test, IN_CRITICAL_SECT(curthread));
	KUNIT_EXPECT_TRUE(test, preemptible());
	/* A plain critical section still gives itself up for a tsleep. */
	crit_enter();
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, tsleep(&chan, 0, "crit", 1),
						  EWOULDBLOCK));
	crit_exit();
}

static void assert_token_hard_outside_a_hard_section_is_reported(struct kunit *test)
{
	struct lwkt_token tok;

	lwkt_token_init(&tok, "not hard");
	lwkt_gettoken(&tok);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, ASSERT_LWKT_TOKEN_HARD(&tok));
	lwkt_reltoken(&tok);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, crit_exit_hard());
}

/* DragonFly's lwkt_gettoken panics past LWKT_MAXTOKENS references; here the request is
 * reported and not taken: the thread keeps exactly the references it had. */
static void misuse_more_than_lwkt_maxtokens_references_is_reported_and_not_taken(
	struct kunit *test)
{
	struct lwkt_token tok, other;
	int i;

	lwkt_token_init(&tok, "many refs");
	lwkt_token_init(&other, "one too many");
	for (i = 0; i < LWKT_MAXTOKENS; i++)
		lwkt_gettoken(&tok);
	KUNIT_EXPECT_EQ(test, lwkt_cnttoken(&tok, curthread), LWKT_MAXTOKENS);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, lwkt_gettoken(&other));
	KUNIT_EXPECT_FALSE(test, LWKT_TOKEN_HELD_ANY(&other));
	KUNIT_EXPECT_EQ(test, other.t_count, 0L);
	KUNIT_EXPECT_EQ(test, lwkt_cnttoken(&tok, curthread), LWKT_MAXTOKENS);
	BT_EXPECT_NO_REPORT(test, {
		for (i = 0; i < LWKT_MAXTOKENS; i++)
			lwkt_reltoken(&tok);
	});
	KUNIT_EXPECT_EQ(test, tok.t_count, 0L);
	KUNIT_EXPECT_EQ(test, dfly_lwkt_tokens_held(curthread), 0);
}

/* DragonFly's lwkt_reltoken asserts the token is the newest reference; here an older one
 * is reported and released anyway, the newer ones stay held. */
static void misuse_reltoken_out_of_order_is_reported_and_released_anyway(struct kunit *test)
{
	struct lwkt_token a, b;

	lwkt_token_init(&a, "older");
	lwkt_token_init(&b, "newer");
	lwkt_gettoken(&a);
	lwkt_gettoken(&b);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, lwkt_reltoken(&a));
	KUNIT_EXPECT_FALSE(test, LWKT_TOKEN_HELD_ANY(&a));
	KUNIT_EXPECT_EQ(test, a.t_count, 0L);
	KUNIT_EXPECT_TRUE(test, holds_excl(&b));
	KUNIT_EXPECT_EQ(test, dfly_lwkt_tokens_held(curthread), 1);
	BT_EXPECT_NO_REPORT(test, lwkt_reltoken(&b));
	KUNIT_EXPECT_EQ(test, b.t_count, 0L);
}

static void misuse_token_swap_with_fewer_than_two_references_is_reported_and_does_nothing(
	struct kunit *test)
{
	struct lwkt_token tok;

	lwkt_token_init(&tok, "swap alone");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, lwkt_token_swap());
	KUNIT_EXPECT_EQ(test, dfly_lwkt_tokens_held(curthread), 0);
	lwkt_gettoken(&tok);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_BAD_ARGUMENT, lwkt_token_swap());
	KUNIT_EXPECT_TRUE(test, holds_excl(&tok));
	KUNIT_EXPECT_EQ(test, dfly_lwkt_tokens_held(curthread), 1);
	BT_EXPECT_NO_REPORT(test, lwkt_reltoken(&tok));
	KUNIT_EXPECT_EQ(test, tok.t_count, 0L);
}

/* The ASSERT_LWKT_TOKEN_* and ASSERT_NO_TOKENS_HELD checks: one report each when false,
 * none when true; they change nothing. */
static void misuse_failed_token_assertions_are_reported_once_each(struct kunit *test)
{
	struct lwkt_token tok;

	lwkt_token_init(&tok, "asserted");
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, ASSERT_LWKT_TOKEN_HELD(&tok));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, ASSERT_LWKT_TOKEN_HELD_EXCL(&tok));
	BT_EXPECT_NO_REPORT(test, ASSERT_NO_TOKENS_HELD(curthread));
	lwkt_gettoken_shared(&tok);
	BT_EXPECT_NO_REPORT(test, ASSERT_LWKT_TOKEN_HELD(&tok));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, ASSERT_LWKT_TOKEN_HELD_EXCL(&tok));
	/* Held, but outside a critical section. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, ASSERT_LWKT_TOKEN_CRIT(&tok));
	crit_enter();
	BT_EXPECT_NO_REPORT(test, ASSERT_LWKT_TOKEN_CRIT(&tok));
	crit_exit();
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, ASSERT_NO_TOKENS_HELD(curthread));
	KUNIT_EXPECT_EQ(test, lwkt_cnttoken(&tok, curthread), 1);
	BT_EXPECT_NO_REPORT(test, lwkt_reltoken(&tok));
	KUNIT_EXPECT_EQ(test, tok.t_count, 0L);
	BT_EXPECT_NO_REPORT(test, ASSERT_NO_TOKENS_HELD(curthread));
}

/* ---- interrupt context: lwkt_trytoken works, lwkt_gettoken is the misuse ------------------- */

struct irq_tok {
	struct lwkt_token *tok;
	int try1, try2, held, held_after;
	long count_after;
};

static void irq_try_release(void *arg)
{
	struct irq_tok *x = arg;

	x->try1 = lwkt_trytoken(x->tok);
	x->held = LWKT_TOKEN_HELD_EXCL(x->tok);
	x->try2 = lwkt_trytoken(x->tok);	/* not recursive in an interrupt */
	if (x->try1)
		lwkt_reltoken(x->tok);
	x->held_after = LWKT_TOKEN_HELD_ANY(x->tok);
	x->count_after = READ_ONCE(x->tok->t_count);
}

static void trytoken_in_interrupt_context_takes_a_free_token(struct kunit *test)
{
	struct lwkt_token tok;
	struct irq_tok x = { .tok = &tok };
	struct bt_irq_result r;
	int soft;

	lwkt_token_init(&tok, "irq try");
	for (soft = 0; soft <= 1; soft++) {
		memset(&x, 0, sizeof(x));
		x.tok = &tok;
		bt_in_interrupt_on_this_thread(test, soft, irq_try_release, &x,
					       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
		KUNIT_EXPECT_EQ(test, r.total, 0UL);
		KUNIT_EXPECT_EQ(test, x.try1, 1);
		KUNIT_EXPECT_EQ(test, x.held, 1);
		KUNIT_EXPECT_EQ(test, x.try2, 0);
		KUNIT_EXPECT_EQ(test, x.held_after, 0);
		KUNIT_EXPECT_EQ(test, x.count_after, 0L);
	}
	/* The thread takes it as usual afterwards. */
	lwkt_gettoken(&tok);
	KUNIT_EXPECT_TRUE(test, holds_excl(&tok));
	lwkt_reltoken(&tok);
}

static void trytoken_in_interrupt_context_fails_on_the_interrupted_holder_s_token(
	struct kunit *test)
{
	struct lwkt_token tok;
	struct irq_tok x = { .tok = &tok };
	struct bt_irq_result r;

	lwkt_token_init(&tok, "irq try held");
	lwkt_gettoken(&tok);
	bt_in_interrupt_on_this_thread(test, false, irq_try_release, &x,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
	KUNIT_EXPECT_EQ(test, r.total, 0UL);
	KUNIT_EXPECT_EQ(test, x.try1, 0);
	KUNIT_EXPECT_EQ(test, x.held, 0);
	KUNIT_EXPECT_TRUE(test, holds_excl(&tok));
	lwkt_reltoken(&tok);
	KUNIT_EXPECT_EQ(test, READ_ONCE(tok.t_count), 0L);
}

static void irq_get_release(void *arg)
{
	struct irq_tok *x = arg;

	lwkt_gettoken(x->tok);
	x->held = LWKT_TOKEN_HELD_EXCL(x->tok);
	lwkt_reltoken(x->tok);
	x->count_after = READ_ONCE(x->tok->t_count);
}

static void gettoken_in_interrupt_context_is_one_report(struct kunit *test)
{
	struct lwkt_token tok;
	struct irq_tok x = { .tok = &tok };
	struct bt_irq_result r;

	lwkt_token_init(&tok, "irq get");
	/* Free: reported, taken, released by its lwkt_reltoken. */
	bt_in_interrupt_on_this_thread(test, false, irq_get_release, &x,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
	KUNIT_EXPECT_EQ(test, r.reports, 1UL);
	KUNIT_EXPECT_EQ(test, r.total, 1UL);
	KUNIT_EXPECT_EQ(test, x.held, 1);
	KUNIT_EXPECT_EQ(test, x.count_after, 0L);
	/* Held by the thread the interrupt stopped: reported, not taken, its release silent. */
	lwkt_gettoken(&tok);
	memset(&x, 0, sizeof(x));
	x.tok = &tok;
	bt_in_interrupt_on_this_thread(test, true, irq_get_release, &x,
				       BSDSYNC_RULE_SLEEP_INTERRUPT, &r);
	KUNIT_EXPECT_EQ(test, r.reports, 1UL);
	KUNIT_EXPECT_EQ(test, r.total, 1UL);
	KUNIT_EXPECT_EQ(test, x.held, 0);
	KUNIT_EXPECT_TRUE(test, holds_excl(&tok));
	lwkt_reltoken(&tok);
}

static void irq_release_only(void *arg)
{
	lwkt_reltoken(((struct irq_tok *)arg)->tok);
}

static void irq_take_only(void *arg)
{
	struct irq_tok *x = arg;

	x->try1 = lwkt_trytoken(x->tok);
}

struct irq_waiter {
	struct lwkt_token *tok;
	atomic_t started;
	int held;
};

static void irq_waiter_main(void *arg)
{
	struct irq_waiter *w = arg;

	atomic_set(&w->started, 1);
	lwkt_gettoken(w->tok);		/* blocks: an interrupt holds it */
	w->held = holds_excl(w->tok);
	lwkt_reltoken(w->tok);
}

static void a_waiter_gets_the_token_an_interrupt_releases(struct kunit *test)
{
	struct lwkt_token tok;
	struct irq_tok x = { .tok = &tok };
	struct irq_waiter w = { .tok = &tok };
	struct bt_irq_result r;
	struct bt_thread t;

	lwkt_token_init(&tok, "irq held");
	migrate_disable();	/* both interrupts on this CPU: its interrupt owns the token */
	bt_in_interrupt_on_this_thread(test, false, irq_take_only, &x,
				       BSDSYNC_RULE_NOT_OWNER, &r);
	KUNIT_EXPECT_EQ(test, x.try1, 1);
	KUNIT_EXPECT_EQ(test, r.total, 0UL);
	bt_start(test, &t, irq_waiter_main, &w, "dfly-irqwait");
	BT_WAIT_UNTIL(test, atomic_read(&w.started));
	/* It waits as long as the interrupt's hold lasts (nothing else releases it). */
	BT_WAIT_UNTIL(test, READ_ONCE(t.task->__state) != TASK_RUNNING);
	KUNIT_EXPECT_EQ(test, w.held, 0);
	bt_in_interrupt_on_this_thread(test, false, irq_release_only, &x,
				       BSDSYNC_RULE_NOT_OWNER, &r);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, r.total, 0UL);
	bt_join(&t);
	KUNIT_EXPECT_EQ(test, w.held, 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(tok.t_count), 0L);
}

static void reltoken_in_interrupt_context_of_a_token_not_held_is_reported(struct kunit *test)
{
	struct lwkt_token tok;
	struct irq_tok x = { .tok = &tok };
	struct bt_irq_result r;

	lwkt_token_init(&tok, "irq not held");
	bt_in_interrupt_on_this_thread(test, false, irq_release_only, &x,
				       BSDSYNC_RULE_NOT_OWNER, &r);
	KUNIT_EXPECT_EQ(test, r.reports, 1UL);
	KUNIT_EXPECT_EQ(test, r.total, 1UL);
	KUNIT_EXPECT_EQ(test, READ_ONCE(tok.t_count), 0L);
}

/* ---- exclusive requests are not starved by shared holders (TOK_EXCLREQ) -------------------- */

#define FAIR_ROUNDS 5000

struct fair {
	struct lwkt_token tok;
	atomic_t seq;		/* shared acquisitions so far: holder seq % 2 takes next */
	int trying[2];
	struct task_struct *task[2];
	int stop;		/* the exclusive requester is done, or it starved */
	int starved;		/* FAIR_ROUNDS shared takes during its request went by without it */
	int x_got, x_alone;
	int id_next;
};

/* Two shared holders in relay: each takes the token while the other holds it and lets go
 * only once the other has it too, so the token is never free between them. A holder lets
 * go early only when the other is blocked in lwkt_gettoken_shared (refused: an exclusive
 * request waits). */
static void fair_holder(void *arg)
{
	struct fair *f = arg;
	int h = __atomic_fetch_add(&f->id_next, 1, __ATOMIC_RELAXED), o = !h;
	int rounds = 0;

	WRITE_ONCE(f->task[h], current);
	while (!READ_ONCE(f->stop)) {
		int mine;

		while ((atomic_read(&f->seq) & 1) != h && !READ_ONCE(f->stop))
			cpu_relax();
		if (READ_ONCE(f->stop))
			break;
		WRITE_ONCE(f->trying[h], 1);
		lwkt_gettoken_shared(&f->tok);
		WRITE_ONCE(f->trying[h], 0);
		mine = atomic_inc_return(&f->seq);
		while (atomic_read(&f->seq) == mine && !READ_ONCE(f->stop)) {
			struct task_struct *other = READ_ONCE(f->task[o]);

			if (READ_ONCE(f->trying[o]) && other &&
			    READ_ONCE(other->__state) != TASK_RUNNING)
				break;	/* the other is refused: let the exclusive one in */
			cpu_relax();
		}
		/* Count only the shared takes made while the exclusive request is pending (the
		 * word shows TOK_EXCLREQ): how soon the requester gets a CPU to make its request
		 * is the scheduler's business, not the token's. */
		if (READ_ONCE(f->tok.t_count) & TOK_EXCLREQ)
			rounds++;
		lwkt_reltoken(&f->tok);
		if (rounds >= FAIR_ROUNDS && !READ_ONCE(f->x_got)) {
			WRITE_ONCE(f->starved, 1);
			WRITE_ONCE(f->stop, 1);
		}
	}
}

static void fair_excl(void *arg)
{
	struct fair *f = arg;

	while (atomic_read(&f->seq) < 8 && !READ_ONCE(f->stop))
		cpu_relax();
	lwkt_gettoken(&f->tok);
	WRITE_ONCE(f->x_got, 1);
	f->x_alone = holds_excl(&f->tok) && !(READ_ONCE(f->tok.t_count) & ~(long)TOK_EXCLUSIVE);
	lwkt_reltoken(&f->tok);
	WRITE_ONCE(f->stop, 1);
}

static void exclusive_request_is_not_starved_by_shared_holders(struct kunit *test)
{
	struct fair *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	struct bt_thread holders[2], x;

	KUNIT_ASSERT_NOT_NULL(test, f);
	lwkt_token_init(&f->tok, "fair");
	BT_EXPECT_NO_REPORT(test, {
		bt_start_n(test, holders, 2, fair_holder, f, 0, "dfly-fair-sh");
		bt_start(test, &x, fair_excl, f, "dfly-fair-ex");
		bt_join(&x);
		bt_join_n(holders, 2);
	});
	KUNIT_EXPECT_EQ_MSG(test, f->starved, 0,
			    "the exclusive request waited through %d shared handoffs",
			    FAIR_ROUNDS);
	KUNIT_EXPECT_EQ(test, f->x_got, 1);
	KUNIT_EXPECT_EQ(test, f->x_alone, 1);
	KUNIT_EXPECT_EQ(test, READ_ONCE(f->tok.t_count), 0L);
}

/* ---- a token waiter and a holder spinning on each other ------------------------------------ */

/*
 * Token order against a blocking lock is free in DragonFly: A holds token T and asks for
 * lock X, which B holds, while B asks for T. A's request for X spins while X's owner B runs
 * (module/dragonfly/sleep_lock.h spin_on_owner; a Linux mutex's optimistic spin), and
 * B's lwkt_gettoken spins while T's holder A runs (token.cpp spin_for). DragonFly's outcome:
 * A blocks on X, which releases T; B gets T, releases T and X; A gets X and T back. A and B
 * are bound to two CPUs so that they really spin at once.
 *
 * What is checked: the exchange ends by itself, B giving up. If both spin while the other
 * runs, only a reschedule forced on one of the two CPUs by something else (a wake-up landing
 * there: RCU's grace-period kthread, a kworker, the soft-lockup watchdog's stopper every
 * 4 s, this test thread's own timeout) ends it: on B's CPU B is preempted (an involuntary
 * switch: its spin re-enables preemption with a reschedule pending); on A's CPU A is
 * preempted (bsdsync's spins) or blocks in the Linux mutex's wait, which gives T, and B,
 * seeing A stopped, takes T without blocking. With B's spin bounded, B blocks by itself (a
 * voluntary switch), A's spin ends because B stopped running, and nobody is preempted.
 * Unrelated wake-ups may still preempt A or B in a round, so one round where B blocked and
 * neither was preempted, in TOKEN_LOCK_ROUNDS, passes; before the bound no round could. Each round also waits at most TOKEN_LOCK_ROUND_WAIT for both threads, sleeping
 * without a wake-up in between: a liveness deadline (a round takes milliseconds), not a
 * speed threshold; missing it fails the case, and the wake-up of this thread then ends the
 * spins, so the threads finish and are joined. rcu_barrier() before each round: the freeing
 * of the last round's threads would keep a grace period going, whose kthread wakes on the
 * spinning CPUs.
 */
#define TOKEN_LOCK_ROUNDS	20
#define TOKEN_LOCK_ROUND_WAIT	(10 * HZ)

struct token_lock_ops {
	const char *name;
	void (*init)(void *l);
	void (*lock)(void *l);
	void (*unlock)(void *l);
	void (*uninit)(void *l);
};

struct token_lock_run {
	struct lwkt_token tok;
	union {
		mtx_t m;
		struct lock lk;
		struct mutex mutex;
	} x;
	const struct token_lock_ops *ops;
	int a_has_token;	/* A holds T */
	int b_has_lock;		/* B holds X */
	int a_asks;		/* A is about to ask for X */
	int b_asks;		/* B is about to ask for T */
	int b_got;		/* B got T */
	int a_got;		/* A got X (and holds T again) */
	int a_lost;		/* A did not hold T after getting X */
	unsigned long a_preempted, b_preempted;	/* involuntary switches while asking */
	unsigned long b_blocked;	/* voluntary switches of B while asking for T */
	struct completion a_done, b_done;
};

static void tl_mtx_init(void *l) { mtx_init((mtx_t *)l, "tok-vs-mtx"); }
static void tl_mtx_lock(void *l) { mtx_lock_ex_quick((mtx_t *)l); }
static void tl_mtx_unlock(void *l) { mtx_unlock((mtx_t *)l); }
static void tl_mtx_uninit(void *l) { mtx_uninit((mtx_t *)l); }
static void tl_lk_init(void *l) { lockinit((struct lock *)l, "tok-vs-lockmgr", 0, 0); }
static void tl_lk_lock(void *l) { lockmgr((struct lock *)l, LK_EXCLUSIVE); }
static void tl_lk_unlock(void *l) { lockmgr((struct lock *)l, LK_RELEASE); }
static void tl_lk_uninit(void *l) { lockuninit((struct lock *)l); }
static void tl_mutex_init(void *l) { mutex_init((struct mutex *)l); }
static void tl_mutex_lock(void *l) { mutex_lock((struct mutex *)l); }
static void tl_mutex_unlock(void *l) { mutex_unlock((struct mutex *)l); }
static void tl_mutex_uninit(void *l) { mutex_destroy((struct mutex *)l); }

static int token_then_lock(void *arg)
{
	struct token_lock_run *r = arg;
	unsigned long nivcsw;

	lwkt_gettoken(&r->tok);
	smp_store_release(&r->a_has_token, 1);
	while (!smp_load_acquire(&r->b_has_lock))
		cpu_relax();
	WRITE_ONCE(r->a_asks, 1);
	nivcsw = current->nivcsw;
	r->ops->lock(&r->x);
	r->a_preempted = current->nivcsw - nivcsw;
	WRITE_ONCE(r->a_got, 1);
	if (!holds_excl(&r->tok))
		WRITE_ONCE(r->a_lost, 1);
	r->ops->unlock(&r->x);
	lwkt_reltoken(&r->tok);
	complete(&r->a_done);
	return 0;
}

static int lock_then_token(void *arg)
{
	struct token_lock_run *r = arg;
	unsigned long nivcsw, nvcsw;

	r->ops->lock(&r->x);
	smp_store_release(&r->b_has_lock, 1);
	/* Busy, so that A finds X's owner running and spins on it. */
	while (!smp_load_acquire(&r->a_has_token) || !READ_ONCE(r->a_asks))
		cpu_relax();
	WRITE_ONCE(r->b_asks, 1);
	nivcsw = current->nivcsw;
	nvcsw = current->nvcsw;
	lwkt_gettoken(&r->tok);
	r->b_preempted = current->nivcsw - nivcsw;
	r->b_blocked = current->nvcsw - nvcsw;
	WRITE_ONCE(r->b_got, 1);
	lwkt_reltoken(&r->tok);
	r->ops->unlock(&r->x);
	complete(&r->b_done);
	return 0;
}

static struct task_struct *token_lock_start(struct kunit *test, int (*fn)(void *),
					    struct token_lock_run *r, int cpu, const char *name)
{
	struct task_struct *t = kthread_create(fn, r, "%s", name);

	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpu);
	get_task_struct(t);
	wake_up_process(t);
	return t;
}

static void run_token_against_lock(struct kunit *test, const struct token_lock_ops *ops)
{
	struct token_lock_run *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	int cpu_a = cpumask_first(cpu_online_mask);
	int cpu_b = cpumask_next(cpu_a, cpu_online_mask);
	int round;
	bool stuck = false, unforced = false;

	KUNIT_ASSERT_NOT_NULL(test, r);
	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two CPUs: A and B must spin at once");
	lwkt_token_init(&r->tok, "tok-vs-lock");
	r->ops = ops;
	ops->init(&r->x);
	for (round = 1; round <= TOKEN_LOCK_ROUNDS; round++) {
		struct task_struct *a, *b;
		bool done;

		r->a_has_token = r->b_has_lock = r->a_asks = r->b_asks = 0;
		r->a_got = r->b_got = r->a_lost = 0;
		init_completion(&r->a_done);
		init_completion(&r->b_done);
		rcu_barrier();
		b = token_lock_start(test, lock_then_token, r, cpu_b, "dfly-tok-lb");
		a = token_lock_start(test, token_then_lock, r, cpu_a, "dfly-tok-la");
		done = wait_for_completion_timeout(&r->b_done, TOKEN_LOCK_ROUND_WAIT) &&
		       wait_for_completion_timeout(&r->a_done, TOKEN_LOCK_ROUND_WAIT);
		if (!done) {
			KUNIT_FAIL(test, "%s round %d: %s (A asked for X: %d, got it: %d; B asked for T: %d, got it: %d)",
				   ops->name, round,
				   READ_ONCE(r->b_asks) && !READ_ONCE(r->b_got) ?
					   "B still spinning on T" : "A and B not done",
				   READ_ONCE(r->a_asks), READ_ONCE(r->a_got), READ_ONCE(r->b_asks),
				   READ_ONCE(r->b_got));
			/* This thread's wake-up ended the spins: they finish. */
			wait_for_completion(&r->b_done);
			wait_for_completion(&r->a_done);
		}
		put_task_struct(b);
		put_task_struct(a);
		KUNIT_EXPECT_EQ(test, READ_ONCE(r->a_lost), 0);
		if (!done) {
			stuck = true;
			break;
		}
		unforced = !r->a_preempted && !r->b_preempted && r->b_blocked;
		if (unforced)
			break;
	}
	if (unforced)
		kunit_info(test, "%s: the exchange ended by itself in round %d", ops->name, round);
	else if (!stuck)
		KUNIT_FAIL(test, "%s: in %d rounds the exchange never ended by B blocking without A or B being preempted (last round: A %lu, B %lu involuntary switches, B blocked %lu times): B spun on T until a reschedule was forced",
			   ops->name, TOKEN_LOCK_ROUNDS, r->a_preempted, r->b_preempted,
			   r->b_blocked);
	KUNIT_EXPECT_EQ(test, READ_ONCE(r->tok.t_count), 0L);
	ops->uninit(&r->x);
}

static void a_token_waiter_stops_spinning_on_a_holder_that_spins_on_a_dragonfly_mtx_the_waiter_holds(
	struct kunit *test)
{
	static const struct token_lock_ops ops = { "mtx", tl_mtx_init, tl_mtx_lock, tl_mtx_unlock,
						   tl_mtx_uninit };

	run_token_against_lock(test, &ops);
}

static void a_token_waiter_stops_spinning_on_a_holder_that_spins_on_a_lockmgr_lock_the_waiter_holds(
	struct kunit *test)
{
	static const struct token_lock_ops ops = { "lockmgr", tl_lk_init, tl_lk_lock,
						   tl_lk_unlock, tl_lk_uninit };

	run_token_against_lock(test, &ops);
}

static void a_token_waiter_stops_spinning_on_a_holder_that_spins_on_a_linux_mutex_the_waiter_holds(
	struct kunit *test)
{
	static const struct token_lock_ops ops = { "Linux mutex", tl_mutex_init, tl_mutex_lock,
						   tl_mutex_unlock, tl_mutex_uninit };

	run_token_against_lock(test, &ops);
}

static struct kunit_case token_cases[] = {
	KUNIT_CASE(gettoken_holds_and_reltoken_releases),
	KUNIT_CASE(a_token_is_recursive_and_cnttoken_counts_references),
	KUNIT_CASE(a_token_is_released_while_its_holder_sleeps_in_linux_msleep),
	KUNIT_CASE(a_token_is_released_while_its_holder_waits_for_a_linux_mutex),
	KUNIT_CASE(a_token_is_released_while_its_holder_sleeps_in_tsleep),
	KUNIT_CASE(a_token_is_released_while_its_holder_blocks_in_any_linux_wait),
	KUNIT_CASE(msleep_returns_only_once_the_token_is_free),
	KUNIT_CASE(tokens_taken_in_both_orders_with_sleeps_never_deadlock),
	KUNIT_CASE(tokens_in_both_orders_around_a_linux_mutex_never_deadlock),
	KUNIT_CASE(a_preempted_holder_keeps_its_token),
	KUNIT_CASE(a_holder_woken_before_it_blocks_keeps_its_token),
	KUNIT_CASE(shared_tokens_admit_many_holders_and_exclude_an_exclusive_one),
	KUNIT_CASE(trytoken_fails_on_a_token_another_thread_holds),
	KUNIT_CASE(a_release_does_not_hand_the_token_to_a_sleeping_waiter),
	KUNIT_CASE(pool_tokens_are_found_by_address),
	KUNIT_CASE(token_swap_lets_the_older_token_go_first),
	KUNIT_CASE(the_mp_lock_is_the_mp_token),
	KUNIT_CASE(sleeping_with_a_token_is_not_reported),
	KUNIT_CASE(witness_ignores_token_order),
	KUNIT_CASE(reltoken_of_a_token_not_held_is_reported),
	KUNIT_CASE(exclusive_after_shared_on_one_token_is_reported),
	KUNIT_CASE(a_thread_exiting_with_a_token_is_reported_and_the_token_freed),
	KUNIT_CASE(a_token_taken_again_after_the_last_release_is_released_at_a_block),
	KUNIT_CASE(a_thread_that_used_tokens_holds_no_module_reference_after_its_exit),
	KUNIT_CASE(a_living_thread_that_blocks_holding_no_token_holds_no_module_reference),
	KUNIT_CASE(gettoken_hard_holds_the_token_in_a_hard_section_where_tsleep_is_refused),
	KUNIT_CASE(assert_token_hard_outside_a_hard_section_is_reported),
	KUNIT_CASE(misuse_more_than_lwkt_maxtokens_references_is_reported_and_not_taken),
	KUNIT_CASE(misuse_reltoken_out_of_order_is_reported_and_released_anyway),
	KUNIT_CASE(misuse_token_swap_with_fewer_than_two_references_is_reported_and_does_nothing),
	KUNIT_CASE(misuse_failed_token_assertions_are_reported_once_each),
	KUNIT_CASE(trytoken_in_interrupt_context_takes_a_free_token),
	KUNIT_CASE(trytoken_in_interrupt_context_fails_on_the_interrupted_holder_s_token),
	KUNIT_CASE(gettoken_in_interrupt_context_is_one_report),
	KUNIT_CASE(a_waiter_gets_the_token_an_interrupt_releases),
	KUNIT_CASE(reltoken_in_interrupt_context_of_a_token_not_held_is_reported),
	KUNIT_CASE(exclusive_request_is_not_starved_by_shared_holders),
	KUNIT_CASE(a_token_waiter_stops_spinning_on_a_holder_that_spins_on_a_dragonfly_mtx_the_waiter_holds),
	KUNIT_CASE(a_token_waiter_stops_spinning_on_a_holder_that_spins_on_a_lockmgr_lock_the_waiter_holds),
	KUNIT_CASE(a_token_waiter_stops_spinning_on_a_holder_that_spins_on_a_linux_mutex_the_waiter_holds),
	{}
};

static struct kunit_suite token_suite = {
	.name = "dragonfly_token",
	.test_cases = token_cases,
};

kunit_test_suites(&token_suite);
