/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bsdsync_bench: bsdsync's FreeBSD primitives against their native Linux counterparts,
 * side by side in one guest (scripts/bench.sh drives it, README "Benchmark" reads it).
 *
 * A pair is one entry of bench_pairs[] (bench.c): a name, a kind, and two implementations
 * (bsdsync first, Linux second). An implementation is the size of its state, init and
 * destroy functions for that state, and a worker: the loop one kthread runs until the
 * measurement's time is up. The loops are shared templates (below), so an implementation
 * only supplies its primitive's calls:
 *
 *   BENCH_LOCK     lock; critical section on shared data; unlock; count. All threads
 *                  share one lock. Measures throughput and fairness, and the time the lock
 *                  call takes (acquire latency: spinning or blocking until woken included),
 *                  sampled on one operation in BENCH_ACQ_SAMPLE per thread.
 *   BENCH_SHARED   like BENCH_LOCK on a shared/exclusive lock: each operation is a read
 *                  (shared lock, a critical section that only reads the data) with the
 *                  probability given by the measurement's read share (rd=100, 90, 50
 *                  percent), else a write (exclusive lock, the BENCH_LOCK section). Each
 *                  thread draws from its own xorshift generator, seeded by its index.
 *   BENCH_HANDOFF  threads are paired (0,1), (2,3)...; each pair passes one token back and
 *                  forth over its own state (a lone thread passes it to itself, so one
 *                  thread measures the calls with nobody to wake). The holder runs the
 *                  critical section, stamps the time, then hands the token over and wakes
 *                  its partner; the partner, if it had to block, records wake latency
 *                  (time from the stamp, just before the wake call, to running again).
 *
 * The templates take the primitive's calls as function pointers and are always inlined,
 * so each worker is compiled with direct calls, exactly as a driver would call them.
 */
#ifndef BSDSYNC_BENCH_H
#define BSDSYNC_BENCH_H

#include <linux/types.h>
#include <linux/cache.h>
#include <linux/compiler.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include <linux/sched.h>
#include <linux/hrtimer.h>
#include <linux/wait.h>
#include <linux/atomic.h>
#include <linux/timex.h>

enum bench_kind {
	BENCH_LOCK,
	BENCH_SHARED,
	BENCH_HANDOFF,
};

/* The data a critical section works on: one per lock (BENCH_LOCK) or per thread pair
 * (BENCH_HANDOFF). `done` counts critical sections; the harness checks it against the
 * threads' counts (a lost update means the primitive failed to exclude). */
#define BENCH_WALK_WORDS	128	/* 1 KiB touched by a "long" critical section */
#define BENCH_LONG_ITERS	200
struct bench_data {
	u64 done;
	u64 a, b, c;
	u64 walk[BENCH_WALK_WORDS];
} ____cacheline_aligned;

/* One thread pair's shared state besides the primitive's own (BENCH_HANDOFF). */
struct bench_chan {
	u64 t_wake;		/* ktime_get_ns() just before the last hand-off's wake call */
	struct bench_data data;
} ____cacheline_aligned;

/* Latency histogram: exact below 32 ns, then 32 buckets per power of two (3% wide). */
#define BENCH_LAT_SUB_BITS	5
#define BENCH_LAT_SUB		(1 << BENCH_LAT_SUB_BITS)
#define BENCH_LAT_MAX_BIT	40	/* values from 2^40 ns (18 min) up share the last bucket */
#define BENCH_LAT_BUCKETS	((BENCH_LAT_MAX_BIT - BENCH_LAT_SUB_BITS + 2) * BENCH_LAT_SUB)

struct bench_pair;
struct bench_impl;
struct bench_worker;

/* One measurement: one implementation of one pair, at one thread count and section. */
struct bench_run {
	int stop;		/* set by `timer` when the time is up */
	bool go;		/* set when every thread is ready */
	bool cs_long;
	int rd;			/* BENCH_SHARED: percent of operations that are reads */
	int nthreads;
	bool cost;		/* the cost mode (below) instead of a timed run */
	const struct bench_pair *pair;
	const struct bench_impl *impl;
	atomic_t ready, finished;
	wait_queue_head_t start_wq, ready_wq, done_wq;
	struct hrtimer timer;
	u64 t_go, t_stop;
	struct bench_worker *w;
};

struct bench_worker {
	struct bench_run *run;
	struct task_struct *task;
	void *state;		/* the implementation's state this thread works on */
	struct bench_chan *chan;
	int id;			/* 0..nthreads-1 */
	int me, peer;		/* BENCH_HANDOFF: 0 or 1 within the pair; peer == me if alone */
	u64 ops;
	u64 wops;		/* BENCH_SHARED: how many of ops were writes */
	u64 sink;		/* what the readers read (kept, so the reads are not optimised out) */
	u64 nlat;
	/* Context switches in the measured window (bench_wait_start's go to the loop's end):
	 * voluntary ones (the thread blocked) and involuntary ones (it was preempted). */
	unsigned long nvcsw0, nivcsw0;
	u64 blocks, preempts;
	u32 *lat;		/* BENCH_LAT_BUCKETS counters (BENCH_HANDOFF) */
	/* Cost mode: the cheapest batch of each operation ([0]: lock, read or hand-off; [1]:
	 * write), and of the same loop with an empty body, in time stamp counter units. */
	u64 cost[2], cost_base;
	unsigned long cost_sw[2], cost_base_sw;
} ____cacheline_aligned;

struct bench_impl {
	const char *name;	/* "bsdsync" or "linux" */
	const char *api;	/* what is measured, for the report */
	size_t size;		/* bytes of state: per run (BENCH_LOCK) or per pair (BENCH_HANDOFF) */
	int (*init)(void *state);	/* 0 or -errno */
	void (*destroy)(void *state);
	int (*worker)(struct bench_worker *w);
};

struct bench_pair {
	const char *name;
	enum bench_kind kind;
	struct bench_impl impl[2];	/* [0] bsdsync, [1] Linux */
};

/* One row of the sizes table (sizes.c): a bsdsync type next to its Linux counterpart. */
struct bench_size {
	const char *bsd;
	size_t bsd_size, bsd_pcpu;	/* bytes, and bytes per CPU allocated besides */
	const char *lnx;
	size_t lnx_size, lnx_pcpu;
};
extern const struct bench_size bench_sizes[];	/* ends with an all-zero row */

/* ---- harness services used by the loops (bench.c) ------------------------------------- */
void bench_wait_start(struct bench_worker *w);

static __always_inline bool bench_cs_long(const struct bench_worker *w)
{
	return w->run->cs_long;
}

static __always_inline bool bench_stopped(const struct bench_worker *w)
{
	/* Set by the run's hrtimer; the loops only need to see it eventually. */
	return READ_ONCE(w->run->stop);
}

/* The critical section. "short": a few updates of shared words; "long": a 1 KiB walk of
 * BENCH_LONG_ITERS updates (a plain loop, not cpu_relax(): under TCG `pause` leaves the
 * translated code and costs far more than on hardware). */
static __always_inline void bench_cs(struct bench_data *d, bool long_cs)
{
	d->a++;
	d->b += 3;
	d->c ^= d->a;
	if (long_cs) {
		for (unsigned int i = 0; i < BENCH_LONG_ITERS; i++)
			d->walk[i % BENCH_WALK_WORDS] += i;
	}
	d->done++;
}

static __always_inline void bench_lat_record(struct bench_worker *w, u64 ns)
{
	unsigned int b;

	if (ns < BENCH_LAT_SUB) {
		b = ns;
	} else {
		unsigned int msb = fls64(ns) - 1;	/* >= BENCH_LAT_SUB_BITS */

		if (msb > BENCH_LAT_MAX_BIT)
			msb = BENCH_LAT_MAX_BIT, ns = (2ULL << BENCH_LAT_MAX_BIT) - 1;
		b = (msb - BENCH_LAT_SUB_BITS + 1) * BENCH_LAT_SUB +
		    ((ns >> (msb - BENCH_LAT_SUB_BITS)) & (BENCH_LAT_SUB - 1));
	}
	w->lat[b]++;
	w->nlat++;
}

/* The hand-off's time stamp, taken by the giver just before it publishes the token and
 * wakes the partner (under the pair's lock where the protocol has one). */
static __always_inline void bench_stamp(struct bench_chan *c)
{
	WRITE_ONCE(c->t_wake, ktime_get_ns());
}

/* Acquire latency of lock and shared pairs: one operation in this many is timed (two clock
 * reads), so the clock's cost stays out of the throughput. */
#define BENCH_ACQ_SAMPLE	64

static __always_inline u64 bench_acq_start(u64 n)
{
	return n % BENCH_ACQ_SAMPLE == 0 ? ktime_get_ns() : 0;
}

static __always_inline void bench_acq_end(struct bench_worker *w, u64 t0)
{
	if (t0) {
		s64 ns = ktime_get_ns() - t0;

		bench_lat_record(w, ns > 0 ? ns : 0);
	}
}

/* ---- the cost mode ------------------------------------------------------------------------
 *
 * The deterministic table (scripts/bench.sh runs it in a guest under QEMU's `-icount
 * shift=0,sleep=off`, where the time stamp counter advances by exactly one per instruction
 * executed): one thread, nobody else wanting the lock, BENCH_COST_BATCHES batches of
 * BENCH_COST_BATCH operations (lock+unlock, read lock+unlock, write lock+unlock, or one
 * hand-off to itself) between two counter reads, and the same loop with an empty body (for a
 * hand-off, with only the time stamp its give takes). The cheapest batch of each is kept:
 * a batch that took a timer interrupt or lost the CPU costs more, and the first batches pay
 * one-time work (a thread's first lock creates bsdsync's thread record). bench.c prints
 * (cheapest batch - cheapest empty batch) / BENCH_COST_BATCH: the instructions of one
 * operation, loop overhead removed. It also checks the counter on a loop of known length
 * (bench_cost_calibrate), so a run without icount is told apart.
 */
#define BENCH_COST_BATCH	64
#define BENCH_COST_BATCHES	48

/*
 * After the batches, the cost mode runs each operation BENCH_COST_TRACES more times, each
 * between two marks,
 * bench_trace_begin(op) and bench_trace_end() (bench.c: empty, out-of-line functions). Without
 * a debugger they cost a call each. scripts/bench-trace.py attaches gdb to the guest's QEMU
 * and single-steps from the return of the first to the call of the second: every
 * instruction one operation executes, with the locked (atomic read-modify-write) ones among
 * them, for the atomics column of the table. Before each, bench_trace_settle() sleeps a
 * tick, so that what is pending (a kthread an earlier pair's grace period woke, a reschedule
 * flag) runs outside the window instead of inside the operation's cond_resched, and then
 * the operation runs once untraced: the traced one is the steady state the batches'
 * cheapest figure counts, not the first one after a sleep (a DragonFly token's first
 * lwkt_gettoken after its thread blocked registers the switch hook again, token.cpp); the
 * shortest of the traces is kept.
 */
void bench_trace_settle(void);
void bench_trace_begin(int op);
void bench_trace_end(void);
#define BENCH_COST_TRACES	3
/* One instance of body (the workers must stay shorter than a page, scripts/bench.sh): even
 * passes settle and warm up, odd passes are traced. */
#define BENCH_COST_TRACE(op, body)						\
	do {									\
		for (int __k = 0; __k < 2 * BENCH_COST_TRACES; __k++) {		\
			if (!(__k & 1))						\
				bench_trace_settle();				\
			else							\
				bench_trace_begin(op);				\
			body;							\
			if (__k & 1)						\
				bench_trace_end();				\
		}								\
	} while (0)

static __always_inline u64 bench_cost_now(void)
{
	return get_cycles();
}

/* The body of one cost batch, run n times between two counter reads: returns the count. */
#define BENCH_COST_BATCH_OF(body)						\
	({									\
		u64 __t0 = bench_cost_now();					\
		for (unsigned int __i = 0; __i < BENCH_COST_BATCH; __i++) {	\
			body;							\
			barrier();						\
		}								\
		bench_cost_now() - __t0;					\
	})

/* The cheapest of BENCH_COST_BATCHES batches of body, into *best; into *sw, the context
 * switches the thread made during that batch (an operation that blocks: under icount with
 * sleep=off the guest's clock then jumps over the idle time, so its count is not
 * instructions, and bench.c says so). */
#define BENCH_COST_MIN(best, sw, body)						\
	do {									\
		*(best) = U64_MAX;						\
		for (unsigned int __b = 0; __b < BENCH_COST_BATCHES; __b++) {	\
			unsigned long __s0 = current->nvcsw + current->nivcsw;	\
			u64 __d = BENCH_COST_BATCH_OF(body);			\
			unsigned long __s = current->nvcsw + current->nivcsw - __s0; \
			if (__d < *(best)) {					\
				*(best) = __d;					\
				*(sw) = __s;					\
			}							\
		}								\
	} while (0)

/* ---- the loop templates ---------------------------------------------------------------- */

/* BENCH_LOCK: `lock` returns what `unlock` needs back (saved interrupt flags, or 0). */
static __always_inline int bench_lock_loop(struct bench_worker *w,
					   unsigned long (*lock)(void *state),
					   void (*unlock)(void *state, unsigned long how))
{
	struct bench_data *d = &w->chan->data;
	const bool long_cs = bench_cs_long(w);
	void *state = w->state;
	u64 n = 0;

	bench_wait_start(w);
	if (w->run->cost) {
		BENCH_COST_MIN(&w->cost[0], &w->cost_sw[0], unlock(state, lock(state)));
		BENCH_COST_MIN(&w->cost_base, &w->cost_base_sw, (void)0);
		BENCH_COST_TRACE(0, unlock(state, lock(state)));
		return 0;
	}
	while (!bench_stopped(w)) {
		u64 t0 = bench_acq_start(n);
		unsigned long how = lock(state);

		bench_acq_end(w, t0);
		bench_cs(d, long_cs);
		unlock(state, how);
		n++;
		/* Debian's kernels preempt voluntarily: without this a thread that never blocks
		 * would keep its CPU for the whole run when threads outnumber CPUs. Outside the
		 * lock, the same for both implementations. */
		cond_resched();
	}
	w->ops = n;
	return 0;
}

/*
 * BENCH_HANDOFF: `take(state, me)` returns once thread `me` (0 or 1) holds the token, true
 * if it had to block for it; `give(state, chan, to)` calls bench_stamp(chan), hands the
 * token to `to` and wakes it. For protocols under a lock, take returns with the lock held
 * and give releases it. When the time is up the holder still gives the token once, so a
 * partner blocked in take wakes, sees the end, gives it back (to nobody) and stops too.
 */
static __always_inline int bench_handoff_loop(struct bench_worker *w,
					      bool (*take)(void *state, int me),
					      void (*give)(void *state, struct bench_chan *c, int to))
{
	struct bench_chan *c = w->chan;
	const bool long_cs = bench_cs_long(w);
	void *state = w->state;
	u64 n = 0;

	bench_wait_start(w);
	if (w->run->cost) {
		/* A lone thread: the token comes back to it, nobody is woken. */
		BENCH_COST_MIN(&w->cost[0], &w->cost_sw[0],
			       ({ take(state, w->me); give(state, c, w->me); }));
		BENCH_COST_MIN(&w->cost_base, &w->cost_base_sw, bench_stamp(c));
		BENCH_COST_TRACE(0, ({ take(state, w->me); give(state, c, w->me); }));
		return 0;
	}
	for (;;) {
		if (take(state, w->me)) {
			s64 ns = ktime_get_ns() - READ_ONCE(c->t_wake);

			/* Stamp and reading come from different CPUs' clocks. */
			bench_lat_record(w, ns > 0 ? ns : 0);
		}
		if (bench_stopped(w)) {
			give(state, c, w->peer);
			break;
		}
		bench_cs(&c->data, long_cs);
		n++;
		give(state, c, w->peer);
		cond_resched();
	}
	w->ops = n;
	return 0;
}

/* The read side's critical section: the same words, read only. */
static __always_inline u64 bench_cs_read(const struct bench_data *d, bool long_cs)
{
	u64 x = READ_ONCE(d->a) + READ_ONCE(d->b) + READ_ONCE(d->c);

	if (long_cs) {
		for (unsigned int i = 0; i < BENCH_LONG_ITERS; i++)
			x += READ_ONCE(d->walk[i % BENCH_WALK_WORDS]);
	}
	return x;
}

/* BENCH_SHARED: `lock(state, write, scratch)` takes the lock exclusive if write, else
 * shared, and returns what `unlock(state, write, scratch, how)` needs back. `scratch` is
 * room on the loop's stack for what must live from lock to unlock (rm(9)'s tracker). */
struct bench_scratch {
	u64 w[8];
};

static __always_inline int bench_shared_loop(struct bench_worker *w,
					     unsigned long (*lock)(void *state, bool write,
								   void *scratch),
					     void (*unlock)(void *state, bool write,
							    void *scratch, unsigned long how))
{
	struct bench_scratch scratch;
	struct bench_data *d = &w->chan->data;
	const bool long_cs = bench_cs_long(w);
	const u32 rd = w->run->rd;
	void *state = w->state;
	u32 rnd = 2463534242u + 0x9e3779b9u * (u32)w->id;	/* xorshift32, never 0 */
	u64 n = 0, nw = 0, sink = 0;

	bench_wait_start(w);
	if (w->run->cost) {
		/* The reads' traces before any write: an rm lock's read right after a write
		 * is central until the calm interval has passed (rm.cpp), and the batches'
		 * cheapest read figure is the per-CPU read. */
		BENCH_COST_MIN(&w->cost[0], &w->cost_sw[0],
			       unlock(state, false, &scratch, lock(state, false, &scratch)));
		BENCH_COST_TRACE(0, unlock(state, false, &scratch, lock(state, false, &scratch)));
		BENCH_COST_MIN(&w->cost[1], &w->cost_sw[1],
			       unlock(state, true, &scratch, lock(state, true, &scratch)));
		BENCH_COST_MIN(&w->cost_base, &w->cost_base_sw, (void)0);
		BENCH_COST_TRACE(1, unlock(state, true, &scratch, lock(state, true, &scratch)));
		return 0;
	}
	while (!bench_stopped(w)) {
		unsigned long how;
		bool write;
		u64 t0;

		rnd ^= rnd << 13;
		rnd ^= rnd >> 17;
		rnd ^= rnd << 5;
		write = rnd % 100 >= rd;
		t0 = bench_acq_start(n);
		how = lock(state, write, &scratch);
		bench_acq_end(w, t0);

		if (write) {
			bench_cs(d, long_cs);
			nw++;
		} else {
			sink += bench_cs_read(d, long_cs);
		}
		unlock(state, write, &scratch, how);
		n++;
		cond_resched();	/* as in bench_lock_loop */
	}
	w->ops = n;
	w->wops = nw;
	w->sink = sink;
	return 0;
}

/* Every worker starts on a page of its own. Under TCG a jump between translated blocks on
 * two different guest pages is not chained directly (it goes through the translator's
 * lookup), so where a worker's loop happens to cross a page boundary decides a large part of
 * its speed: linking the same objects in another order moved the rm read pair from 0.33 to
 * 0.47 (bench/results/compare-7e6a524-9451daa.md). Page-aligned, a loop of less than a page
 * never crosses one, whatever is linked before it; scripts/bench.sh checks each worker's
 * address and size in the built module. Each worker has a section of its own, aligned by the
 * module loader's layout: aligning it inside .text would make the assembler jump over the
 * padding, which objtool rightly calls unreachable. */
#define BENCH_WORKER_ATTR(fn)	__section(".text.bench." #fn) __aligned(PAGE_SIZE) noinline

/* One line per implementation: the worker function over its two primitive calls. */
#define BENCH_LOCK_WORKER(fn, lock, unlock)					\
	static BENCH_WORKER_ATTR(fn) int fn(struct bench_worker *w)			\
	{ return bench_lock_loop(w, lock, unlock); }
#define BENCH_SHARED_WORKER(fn, lock, unlock)					\
	static BENCH_WORKER_ATTR(fn) int fn(struct bench_worker *w)			\
	{ return bench_shared_loop(w, lock, unlock); }
/* The rw_semaphore implementation, shared by every pair that compares against it. */
int linux_rwsem_init(void *p);
void linux_rwsem_destroy(void *p);
int linux_rwsem_worker(struct bench_worker *w);

#define BENCH_HANDOFF_WORKER(fn, take, give)					\
	static BENCH_WORKER_ATTR(fn) int fn(struct bench_worker *w)			\
	{ return bench_handoff_loop(w, take, give); }

#endif
