// SPDX-License-Identifier: BSD-2-Clause
/*
 * bsdsync_bench: the harness (bench.h describes pairs, kinds and loops).
 *
 * Nothing runs at load. Under debugfs (bsdsync_bench/):
 *   pairs  read: one line per pair, "name|kind|bsdsync api|linux api" (kind: lock, shared
 *          or handoff)
 *   trace, trace_armed  read: the addresses of the trace marks and of what gdb reads and
 *          writes (scripts/bench-trace.py), and whether gdb has attached (1)
 *   sizes  read: one line per lock type, "bsdsync type|bytes|bytes per CPU|Linux
 *          type|bytes|bytes per CPU" (sizes.c);
 *          also printed at load as "BENCH-SIZE ..." lines
 *   run    write "pair=P impl=bsdsync|linux threads=N cs=short|long [rd=PCT] rep=R ms=M"
 *          (rd: read share in percent, for shared pairs only and required there): runs
 *          that one measurement (the write returns when it is done, about M ms later)
 *          and prints one line to the kernel log:
 *
 *   BENCH pair=mtx impl=bsdsync threads=4 cs=short rd=- rep=2 ms=500 elapsed_ns=...
 *         ops=... writes=... min=... max=... lat_n=... lat_p50_ns=... lat_p99_ns=...
 *         blocks=... preempts=... check=ok
 *
 *        write "pair=P impl=bsdsync|linux cost=1": the cost mode (bench.h): one thread,
 *          uncontended, the instructions of one operation when the guest runs under
 *          QEMU's icount (time stamp counter units otherwise), one line per operation:
 *
 *   BENCH-COST pair=sx impl=bsdsync op=read batch=64 min=... base=... switches=0
 *              calib=1.000
 *
 *          op: "lock" (lock+unlock), "read"/"write" (shared pairs), "handoff"; min and
 *          base: the cheapest batch with and without the operation; switches: context
 *          switches in those two batches (not 0: the operation blocked, and the count
 *          includes idle time); calib: counter units per instruction on a loop of known
 *          length (1.000 under icount shift=0).
 *
 * ops is the total over the threads, writes how many of them were exclusive (all of them
 * but for shared pairs), min/max the per-thread extremes, elapsed_ns the time from the
 * start signal to the stop timer. lat_*: for hand-off pairs the wake latency of every
 * hand-off where the taker blocked; for lock and shared pairs the acquire latency of one
 * operation in BENCH_ACQ_SAMPLE ("-" without samples). blocks and preempts: the threads'
 * voluntary and involuntary context switches from the start signal to the end of their loop
 * (a thread that blocked in the primitive, or was preempted; the loops' cond_resched counts
 * among the preemptions). check=ok says
 * the critical sections' own count matches the threads' count of exclusive sections.
 *
 * A measurement: N kthreads, bound round-robin to the online CPUs, wait behind a start
 * barrier; the last one to arrive wakes the controller, which stamps the start, releases
 * them all and arms an hrtimer; when it fires, the threads finish their current operation
 * and exit. scripts/bench.sh writes the requests, in the order that interleaves the two
 * implementations of a pair.
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/cpumask.h>
#include <linux/uaccess.h>
#include <linux/string.h>
#include <linux/mutex.h>

#include "bench.h"

#define BENCH_MAX_THREADS	64
#define BENCH_MAX_MS		10000
/* How long past its end a measurement may take before it is declared stuck. */
#define BENCH_GRACE_MS		60000

extern const struct bench_pair bench_pair_mtx, bench_pair_mtx_checked, bench_pair_spin, bench_pair_rw, bench_pair_sx,
	bench_pair_rm, bench_pair_rm_rwsem, bench_pair_lockmgr, bench_pair_cv, bench_pair_sleep,
	bench_pair_sema, bench_pair_dfly_token, bench_pair_dfly_spin, bench_pair_dfly_lockmgr,
	bench_pair_dfly_mtx, bench_pair_dfly_mtx_ex, bench_pair_dfly_serializer,
	bench_pair_dfly_msg;

/* Every pair measured, in report order. A new pair is one more entry here. */
static const struct bench_pair *const bench_pairs[] = {
	&bench_pair_mtx,
	&bench_pair_mtx_checked,	/* pairs_checked.c: mtx as the default (checked) build */
	&bench_pair_spin,
	&bench_pair_rw,
	&bench_pair_sx,
	&bench_pair_rm,
	&bench_pair_rm_rwsem,
	&bench_pair_lockmgr,
	&bench_pair_cv,
	&bench_pair_sleep,
	&bench_pair_sema,
	/* DragonFly (pairs_dragonfly.c) */
	&bench_pair_dfly_token,
	&bench_pair_dfly_spin,
	&bench_pair_dfly_lockmgr,
	&bench_pair_dfly_mtx,
	&bench_pair_dfly_mtx_ex,
	&bench_pair_dfly_serializer,
	&bench_pair_dfly_msg,
};

static DEFINE_MUTEX(bench_mutex);	/* one measurement at a time */
static bool bench_broken;		/* a measurement got stuck: refuse further ones */
static struct dentry *bench_dir;

/* ---- the workers' side ------------------------------------------------------------------ */

void bench_wait_start(struct bench_worker *w)
{
	struct bench_run *r = w->run;

	if (atomic_inc_return(&r->ready) == r->nthreads)
		wake_up(&r->ready_wq);
	wait_event(r->start_wq, READ_ONCE(r->go));
	w->nvcsw0 = current->nvcsw;
	w->nivcsw0 = current->nivcsw;
}

static int bench_thread(void *arg)
{
	struct bench_worker *w = arg;
	struct bench_run *r = w->run;

	r->impl->worker(w);
	w->blocks = current->nvcsw - w->nvcsw0;
	w->preempts = current->nivcsw - w->nivcsw0;
	if (atomic_inc_return(&r->finished) == r->nthreads)
		wake_up(&r->done_wq);
	/* Stay until kthread_stop(): the controller frees what this thread points at. */
	while (!kthread_should_stop()) {
		set_current_state(TASK_IDLE);
		if (kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			break;
		}
		schedule();
	}
	return 0;
}

static enum hrtimer_restart bench_timer_fn(struct hrtimer *t)
{
	struct bench_run *r = container_of(t, struct bench_run, timer);

	r->t_stop = ktime_get_ns();
	WRITE_ONCE(r->stop, 1);
	return HRTIMER_NORESTART;
}

/* ---- latency percentiles ------------------------------------------------------------- */

/* The middle of bucket b (inverse of bench_lat_record). */
static u64 bench_lat_value(unsigned int b)
{
	unsigned int octave = b / BENCH_LAT_SUB, sub = b % BENCH_LAT_SUB;
	unsigned int shift;

	if (octave == 0)
		return b;
	shift = octave - 1;		/* msb - BENCH_LAT_SUB_BITS */
	return ((u64)(BENCH_LAT_SUB + sub) << shift) + ((1ULL << shift) >> 1);
}

static u64 bench_lat_percentile(const u32 *hist, u64 n, unsigned int pct)
{
	u64 rank = div_u64(n * pct + 99, 100), seen = 0;	/* nearest-rank */

	if (rank == 0)
		rank = 1;
	for (unsigned int b = 0; b < BENCH_LAT_BUCKETS; b++) {
		seen += hist[b];
		if (seen >= rank)
			return bench_lat_value(b);
	}
	return bench_lat_value(BENCH_LAT_BUCKETS - 1);
}

/* ---- one measurement --------------------------------------------------------------------- */

struct bench_request {
	const struct bench_pair *pair;
	int impl;
	int threads;
	bool cs_long;
	int rd;			/* -1: not given */
	int rep;
	unsigned int ms;
	bool cost;
};

/* ---- the trace marks (bench.h, scripts/bench-trace.py) ---------------------------------- */

/* What the traced thread measures, "pair=P impl=I", and whether a debugger is attached
 * (written by gdb; the guest script waits for it before its requests). gdb finds them by
 * the addresses the `trace` file gives. */
static char bench_trace_label[64];
static int bench_trace_armed;

void bench_trace_settle(void)
{
	schedule_timeout_uninterruptible(1);
}

noinline void bench_trace_begin(int op)
{
	/* Not empty, so the two marks are not folded into one function. */
	asm volatile("" : : "r"(op) : "memory");
}

noinline void bench_trace_end(void)
{
	asm volatile("" : : : "memory");
}

/* Counter units per 1000 instructions, from a loop of known length: two runs of `dec; jnz`
 * (2 instructions per round) whose lengths differ by 4096 rounds. */
static noinline u64 bench_cost_calibrate(void)
{
	u64 d[2];

	for (int k = 0; k < 2; k++) {
		unsigned long n = 4096 * (k + 1);
		u64 t0 = bench_cost_now();

		asm volatile("1: dec %0\n\tjnz 1b" : "+r"(n) : : "cc");
		d[k] = bench_cost_now() - t0;
	}
	return div_u64((d[1] - d[0]) * 1000, 2 * 4096);
}

static void bench_cost_report(const struct bench_pair *pair, const struct bench_impl *impl,
			      const struct bench_worker *w)
{
	static const char *const ops[3][2] = {
		[BENCH_LOCK] = { "lock", NULL },
		[BENCH_SHARED] = { "read", "write" },
		[BENCH_HANDOFF] = { "handoff", NULL },
	};
	u64 calib = bench_cost_calibrate();

	for (int i = 0; i < 2; i++) {
		if (!ops[pair->kind][i])
			continue;
		pr_info("BENCH-COST pair=%s impl=%s op=%s batch=%d min=%llu base=%llu "
			"switches=%lu calib=%llu.%03llu\n", pair->name, impl->name,
			ops[pair->kind][i], BENCH_COST_BATCH, w->cost[i], w->cost_base,
			w->cost_sw[i] + w->cost_base_sw, calib / 1000, calib % 1000);
	}
}

static int bench_measure(const struct bench_request *q)
{
	const struct bench_pair *pair = q->pair;
	const struct bench_impl *impl = &pair->impl[q->impl];
	const int n = q->threads;
	/* State units: one shared lock, or one per thread pair. */
	const int nunits = pair->kind == BENCH_HANDOFF ? (n + 1) / 2 : 1;
	const size_t unit = ALIGN(impl->size, SMP_CACHE_BYTES);
	int cpus[BENCH_MAX_THREADS];
	int ncpus = 0, cpu, i, err = 0;
	struct bench_run *r;
	struct bench_chan *chans;
	char *states;
	u32 *lat = NULL, *hist;
	u64 ops = 0, wops = 0, lo = U64_MAX, hi = 0, nlat = 0, done = 0, elapsed;
	u64 blocks = 0, preempts = 0;
	char p50[24] = "-", p99[24] = "-", rd[8] = "-";

	for_each_online_cpu(cpu) {
		if (ncpus == ARRAY_SIZE(cpus))
			break;
		cpus[ncpus++] = cpu;
	}

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	chans = kcalloc(nunits, sizeof(*chans), GFP_KERNEL);
	states = kzalloc(nunits * unit, GFP_KERNEL);
	if (r)
		r->w = kcalloc(n, sizeof(*r->w), GFP_KERNEL);
	lat = vzalloc(array_size(n + 1, BENCH_LAT_BUCKETS * sizeof(u32)));
	if (!r || !r->w || !chans || !states || !lat) {
		err = -ENOMEM;
		goto out_free;
	}

	r->pair = pair;
	r->impl = impl;
	r->nthreads = n;
	r->cs_long = q->cs_long;
	r->rd = q->rd;
	r->cost = q->cost;
	if (q->cost)
		snprintf(bench_trace_label, sizeof(bench_trace_label), "pair=%s impl=%s",
			 pair->name, impl->name);
	atomic_set(&r->ready, 0);
	atomic_set(&r->finished, 0);
	init_waitqueue_head(&r->start_wq);
	init_waitqueue_head(&r->ready_wq);
	init_waitqueue_head(&r->done_wq);
	hrtimer_init(&r->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	r->timer.function = bench_timer_fn;
	for (i = 0; i < nunits; i++) {
		err = impl->init(states + i * unit);
		if (err) {
			while (i--)
				impl->destroy(states + i * unit);
			goto out_free;
		}
	}

	for (i = 0; i < n; i++) {
		struct bench_worker *w = &r->w[i];
		int u = pair->kind == BENCH_HANDOFF ? i / 2 : 0;

		w->run = r;
		w->id = i;
		w->state = states + u * unit;
		w->chan = &chans[u];
		w->me = i % 2;
		w->peer = (i ^ 1) < n ? !w->me : w->me;	/* an odd last thread pairs with itself */
		if (lat)
			w->lat = lat + (size_t)(i + 1) * BENCH_LAT_BUCKETS;
		w->task = kthread_create(bench_thread, w, "bench/%s/%d", pair->name, i);
		if (IS_ERR(w->task)) {
			err = PTR_ERR(w->task);
			w->task = NULL;
			break;
		}
		get_task_struct(w->task);
		kthread_bind(w->task, cpus[i % ncpus]);
	}
	if (err) {
		/* Threads not yet woken: kthread_stop() ends them before their function runs. */
		for (i = 0; i < n && r->w[i].task; i++) {
			kthread_stop(r->w[i].task);
			put_task_struct(r->w[i].task);
		}
		goto out_destroy;
	}

	for (i = 0; i < n; i++)
		wake_up_process(r->w[i].task);
	wait_event(r->ready_wq, atomic_read(&r->ready) == n);
	r->t_go = ktime_get_ns();
	hrtimer_start(&r->timer, ms_to_ktime(q->ms), HRTIMER_MODE_REL);
	WRITE_ONCE(r->go, true);
	wake_up_all(&r->start_wq);

	if (!wait_event_timeout(r->done_wq, atomic_read(&r->finished) == n,
				msecs_to_jiffies(q->ms + BENCH_GRACE_MS))) {
		/* A primitive lost a wakeup or deadlocked. The threads still use r: leak it. */
		pr_err("BENCH-ERROR pair=%s impl=%s threads=%d: %d of %d threads still running "
		       "%d s after the end; no further measurements\n", pair->name, impl->name,
		       n, n - atomic_read(&r->finished), n, BENCH_GRACE_MS / 1000);
		bench_broken = true;
		return -EDEADLK;
	}
	for (i = 0; i < n; i++) {
		kthread_stop(r->w[i].task);
		put_task_struct(r->w[i].task);
	}
	hrtimer_cancel(&r->timer);
	if (q->cost) {
		bench_cost_report(pair, impl, &r->w[0]);
		goto out_destroy;
	}

	elapsed = r->t_stop - r->t_go;
	hist = lat;	/* slot 0: the merged histogram */
	for (i = 0; i < n; i++) {
		struct bench_worker *w = &r->w[i];

		ops += w->ops;
		wops += pair->kind == BENCH_SHARED ? w->wops : w->ops;
		lo = min(lo, w->ops);
		hi = max(hi, w->ops);
		nlat += w->nlat;
		blocks += w->blocks;
		preempts += w->preempts;
		if (hist)
			for (unsigned int b = 0; b < BENCH_LAT_BUCKETS; b++)
				hist[b] += w->lat[b];
	}
	for (i = 0; i < nunits; i++)
		done += chans[i].data.done;
	if (hist && nlat) {
		snprintf(p50, sizeof(p50), "%llu", bench_lat_percentile(hist, nlat, 50));
		snprintf(p99, sizeof(p99), "%llu", bench_lat_percentile(hist, nlat, 99));
	}
	if (q->rd >= 0)
		snprintf(rd, sizeof(rd), "%d", q->rd);
	pr_info("BENCH pair=%s impl=%s threads=%d cs=%s rd=%s rep=%d ms=%u elapsed_ns=%llu "
		"ops=%llu writes=%llu min=%llu max=%llu lat_n=%llu lat_p50_ns=%s lat_p99_ns=%s "
		"blocks=%llu preempts=%llu check=%s\n",
		pair->name, impl->name, n, q->cs_long ? "long" : "short", rd, q->rep, q->ms,
		elapsed, ops, wops, lo, hi, nlat, p50, p99, blocks, preempts,
		done == wops ? "ok" : "LOST-UPDATES");
	if (done != wops)
		err = -EIO;

out_destroy:
	for (i = 0; i < nunits; i++)
		impl->destroy(states + i * unit);
out_free:
	vfree(lat);
	if (r)
		kfree(r->w);
	kfree(r);
	kfree(chans);
	kfree(states);
	return err;
}

/* ---- debugfs --------------------------------------------------------------------------- */

static int bench_parse(char *buf, struct bench_request *q)
{
	char *tok, *val;
	unsigned int u;

	memset(q, 0, sizeof(*q));
	q->impl = -1;
	q->rd = -1;
	while ((tok = strsep(&buf, " \t\n")) != NULL) {
		if (!*tok)
			continue;
		val = strchr(tok, '=');
		if (!val)
			return -EINVAL;
		*val++ = '\0';
		if (!strcmp(tok, "pair")) {
			for (unsigned int i = 0; i < ARRAY_SIZE(bench_pairs); i++)
				if (!strcmp(val, bench_pairs[i]->name))
					q->pair = bench_pairs[i];
			if (!q->pair)
				return -ENOENT;
		} else if (!strcmp(tok, "impl")) {
			if (!strcmp(val, "bsdsync"))
				q->impl = 0;
			else if (!strcmp(val, "linux"))
				q->impl = 1;
			else
				return -EINVAL;
		} else if (!strcmp(tok, "threads")) {
			if (kstrtouint(val, 10, &u) || u < 1 || u > BENCH_MAX_THREADS)
				return -EINVAL;
			q->threads = u;
		} else if (!strcmp(tok, "cs")) {
			if (strcmp(val, "short") && strcmp(val, "long"))
				return -EINVAL;
			q->cs_long = !strcmp(val, "long");
		} else if (!strcmp(tok, "rd")) {
			if (kstrtouint(val, 10, &u) || u > 100)
				return -EINVAL;
			q->rd = u;
		} else if (!strcmp(tok, "rep")) {
			if (kstrtouint(val, 10, &u) || u > 1000000)
				return -EINVAL;
			q->rep = u;
		} else if (!strcmp(tok, "cost")) {
			if (kstrtouint(val, 10, &u) || u > 1)
				return -EINVAL;
			q->cost = u;
		} else if (!strcmp(tok, "ms")) {
			if (kstrtouint(val, 10, &u) || u < 1 || u > BENCH_MAX_MS)
				return -EINVAL;
			q->ms = u;
		} else {
			return -EINVAL;
		}
	}
	if (q->cost) {
		/* One thread, both operations of a shared pair; the timer only bounds it. */
		if (!q->pair || q->impl < 0 || q->threads > 1 || q->rd >= 0)
			return -EINVAL;
		q->threads = 1;
		q->ms = q->ms ?: 1000;
		return 0;
	}
	if (!q->pair || q->impl < 0 || !q->threads || !q->ms)
		return -EINVAL;
	/* A read share exactly for the shared pairs. */
	if ((q->pair->kind == BENCH_SHARED) != (q->rd >= 0))
		return -EINVAL;
	return 0;
}

static ssize_t bench_run_write(struct file *file, const char __user *ubuf, size_t len,
			       loff_t *ppos)
{
	struct bench_request q;
	char buf[160];
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	err = bench_parse(buf, &q);
	if (err)
		return err;
	if (mutex_lock_interruptible(&bench_mutex))
		return -EINTR;
	err = bench_broken ? -EDEADLK : bench_measure(&q);
	mutex_unlock(&bench_mutex);
	return err ? err : len;
}

static const struct file_operations bench_run_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = bench_run_write,
};

static int bench_pairs_show(struct seq_file *m, void *v)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(bench_pairs); i++) {
		const struct bench_pair *p = bench_pairs[i];

		seq_printf(m, "%s|%s|%s|%s\n", p->name,
			   p->kind == BENCH_LOCK ? "lock" :
			   p->kind == BENCH_SHARED ? "shared" : "handoff",
			   p->impl[0].api, p->impl[1].api);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench_pairs);

static int bench_sizes_show(struct seq_file *m, void *v)
{
	for (const struct bench_size *z = bench_sizes; z->bsd; z++)
		seq_printf(m, "%s|%zu|%zu|%s|%zu|%zu\n", z->bsd, z->bsd_size, z->bsd_pcpu, z->lnx,
			   z->lnx_size, z->lnx_pcpu);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench_sizes);

static int bench_trace_show(struct seq_file *m, void *v)
{
	seq_printf(m, "begin=%px end=%px label=%px armed=%px\n", bench_trace_begin,
		   bench_trace_end, bench_trace_label, &bench_trace_armed);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench_trace);

static int bench_trace_armed_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", READ_ONCE(bench_trace_armed));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(bench_trace_armed);

static int __init bench_init(void)
{
	bench_dir = debugfs_create_dir("bsdsync_bench", NULL);
	if (IS_ERR(bench_dir))
		return PTR_ERR(bench_dir);
	debugfs_create_file("run", 0200, bench_dir, NULL, &bench_run_fops);
	debugfs_create_file("pairs", 0444, bench_dir, NULL, &bench_pairs_fops);
	debugfs_create_file("sizes", 0444, bench_dir, NULL, &bench_sizes_fops);
	debugfs_create_file("trace", 0400, bench_dir, NULL, &bench_trace_fops);
	debugfs_create_file("trace_armed", 0444, bench_dir, NULL, &bench_trace_armed_fops);
	for (const struct bench_size *z = bench_sizes; z->bsd; z++)
		pr_info("BENCH-SIZE %s|%zu|%zu|%s|%zu|%zu\n", z->bsd, z->bsd_size, z->bsd_pcpu,
			z->lnx, z->lnx_size, z->lnx_pcpu);
	pr_info("bsdsync_bench: ready (%zu pairs; write requests to "
		"/sys/kernel/debug/bsdsync_bench/run)\n", ARRAY_SIZE(bench_pairs));
	return 0;
}

static void __exit bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("bsdsync benchmark: FreeBSD primitives against their Linux counterparts");
