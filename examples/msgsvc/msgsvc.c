// SPDX-License-Identifier: BSD-2-Clause
/*
 * dfly_msgsvc: an example of a driver ported from DragonFly BSD to Linux with bsdsync: a
 * record store served by a kernel thread through an LWKT message port, in the way DragonFly
 * subsystems (netisr, the disk layer) hand work to a service thread.
 *
 *  - clients send update requests to the service's port (a spin port): synchronously with
 *    lwkt_domsg(), or several at once with lwkt_sendmsg() and their replies collected on
 *    the client's own reply port with lwkt_waitport(); the service thread receives with
 *    lwkt_waitport() and answers with lwkt_replymsg();
 *  - each record has a lockmgr lock: the service rewrites it exclusively and checks it with
 *    a shared request, which for the exclusive holder is one more exclusive count
 *    (LK_CANRECURSE); clients read it shared, sometimes upgrading (LK_UPGRADE);
 *  - a journal count under an LWKT token, sc_tok; a flusher thread holds sc_tok all the time
 *    and sleeps in tsleep() holding it until the service, which needs sc_tok to advance the
 *    journal, wakes it: DragonFly releases a thread's tokens while it blocks, so this works;
 *    with a mutex in place of the token it would deadlock. The flusher also sleeps in
 *    Linux's msleep() holding the token (released and taken back just the same);
 *  - tokens taken in either order: the service takes sc_tok then a record's pool token, the
 *    clients the pool token then sc_tok; with tokens that cannot deadlock;
 *  - counters under a DragonFly spinlock, read at the end with a shared hold; the auditor
 *    waits for the clients with ssleep(), the spinlock as interlock.
 *
 * Every record carries a checksum of its contents; at the end an auditor thread checks the
 * checksums, that every update sent was applied and journaled exactly once, that no two
 * threads were ever inside sc_tok's section together, that the flusher held its token again
 * after every sleep and saw the journal advance while it slept holding it, and prints
 * "dfly_msgsvc: PASS". Only thread creation and module entry are Linux.
 */
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sched/task.h>
#include <linux/delay.h>	/* Linux msleep(ms); DragonFly's ssleep beside Linux's */

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/thread.h>
#include <sys/spinlock.h>
#include <sys/spinlock2.h>
#include <sys/lock.h>
#include <sys/msgport.h>
#include <sys/msgport2.h>

#define NRECORDS	16
#define NWORDS		8
#define NCLIENTS	3
#define NOPS		3000	/* per client */
#define NASYNC		4	/* requests a client has in flight at once with lwkt_sendmsg */

struct svc_record {
	struct lock	r_lock;		/* r_words, r_sum, r_writes */
	unsigned long	r_words[NWORDS];
	unsigned long	r_sum;
	unsigned long	r_writes;
	unsigned long	r_hits;		/* under the record's pool token */
};

enum { SVC_PUT = 1, SVC_QUIT };

struct svc_msg {
	struct lwkt_msg	m;		/* first: a port hands back the struct lwkt_msg */
	int		op;
	int		key;
	unsigned long	val;
};

struct svc_softc {
	struct lwkt_port sc_port;	/* the service's requests; sc_server receives */

	struct lwkt_token sc_tok;	/* everything down to sc_spin */
	unsigned long	sc_journal;	/* updates applied */
	unsigned long	sc_tok_reads;	/* client reads counted under sc_tok */
	struct thread	*sc_tok_owner;	/* who is inside a section of sc_tok (see tok_enter) */
	unsigned long	sc_tok_errors;	/* two threads inside at once */
	int		sc_flusher_ready, sc_flusher_done, sc_stop;
	unsigned long	sc_flushes;	/* the journal advanced while the flusher slept */
	unsigned long	sc_linux_sleeps; /* Linux msleep() calls holding sc_tok */
	unsigned long	sc_token_lost;	/* sc_tok not held after a sleep */

	struct spinlock	sc_spin;	/* the counters below */
	unsigned long	sc_reads, sc_upgrades, sc_sync_puts, sc_async_puts;
	unsigned long	sc_torn, sc_reply_errors;
	int		sc_clients_done;

	struct svc_record sc_rec[NRECORDS];

	struct task_struct *sc_threads[NCLIENTS + 3];
	int		sc_passed;
	int		sc_done;	/* under sc_spin */
};

static struct svc_softc *svc_sc;

static unsigned long
svc_sum(const struct svc_record *r, int key)
{
	unsigned long s = key;

	for (int i = 0; i < NWORDS; i++)
		s = s * 31 + r->r_words[i];
	return s;
}

static unsigned int
svc_random(unsigned int *seed)
{
	unsigned int x = *seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *seed = x;
}

/*
 * A section of sc_tok that does not block: nobody else may be in one meanwhile. (A section
 * that blocks is not exclusive: the token is released while its holder sleeps.)
 */
static void
tok_enter(struct svc_softc *sc)
{
	ASSERT_LWKT_TOKEN_HELD_EXCL(&sc->sc_tok);
	if (sc->sc_tok_owner != NULL)
		sc->sc_tok_errors++;
	sc->sc_tok_owner = curthread;
}

static void
tok_exit(struct svc_softc *sc)
{
	if (sc->sc_tok_owner != curthread)
		sc->sc_tok_errors++;
	sc->sc_tok_owner = NULL;
}

/* Is the record whole? Shared: for the exclusive holder, one more exclusive count. */
static int
svc_verify(struct svc_record *r, int key)
{
	int ok;

	lockmgr(&r->r_lock, LK_SHARED);
	ok = r->r_sum == svc_sum(r, key);
	lockmgr(&r->r_lock, LK_RELEASE);
	return ok ? 0 : EIO;
}

/* The service thread: applies updates, journals them, replies. */
static int
svc_server(void *arg)
{
	struct svc_softc *sc = svc_sc;
	struct svc_record *r;
	struct svc_msg *msg;
	int error;

	for (;;) {
		msg = lwkt_waitport(&sc->sc_port, 0);
		if (msg->op == SVC_QUIT) {
			lwkt_replymsg(&msg->m, 0);
			break;
		}
		r = &sc->sc_rec[msg->key];
		lockmgr(&r->r_lock, LK_EXCLUSIVE);
		for (int i = 0; i < NWORDS; i++)
			r->r_words[i] += msg->val + i;
		r->r_sum = svc_sum(r, msg->key);
		r->r_writes++;
		error = svc_verify(r, msg->key);
		lockmgr(&r->r_lock, LK_RELEASE);

		/* sc_tok, then the record's pool token (the clients: the other order). */
		lwkt_gettoken(&sc->sc_tok);
		lwkt_getpooltoken(r);
		tok_enter(sc);
		sc->sc_journal++;
		r->r_hits++;
		wakeup(&sc->sc_journal);	/* the flusher sleeps holding sc_tok */
		tok_exit(sc);
		lwkt_relpooltoken(r);
		lwkt_reltoken(&sc->sc_tok);

		lwkt_replymsg(&msg->m, error);
	}
	return 0;
}

/* Read a record shared (1 in 32: upgrade to exclusive), then count the hit. */
static void
svc_read(struct svc_softc *sc, int key, unsigned int x, unsigned long *torn,
	 unsigned long *upgrades)
{
	struct svc_record *r = &sc->sc_rec[key];

	lockmgr(&r->r_lock, LK_SHARED);
	if (r->r_sum != svc_sum(r, key))
		(*torn)++;
	if (x % 32 == 0) {
		/* Another upgrader may come first: then we wait as an exclusive request. */
		lockmgr(&r->r_lock, LK_UPGRADE);
		if (!lockowned(&r->r_lock) || r->r_sum != svc_sum(r, key))
			(*torn)++;
		(*upgrades)++;
	}
	lockmgr(&r->r_lock, LK_RELEASE);

	/* The pool token, then sc_tok: the service takes them the other way round. */
	lwkt_getpooltoken(r);
	lwkt_gettoken(&sc->sc_tok);
	tok_enter(sc);
	r->r_hits++;
	sc->sc_tok_reads++;
	tok_exit(sc);
	lwkt_reltoken(&sc->sc_tok);
	lwkt_relpooltoken(r);
}

static int
svc_client(void *arg)
{
	struct svc_softc *sc = svc_sc;
	long id = (long)arg;
	unsigned int seed = 2463534242u + 7919u * (unsigned int)id;
	unsigned long reads = 0, upgrades = 0, sync_puts = 0, async_puts = 0;
	unsigned long torn = 0, reply_errors = 0;
	struct lwkt_port rport;		/* our replies (spin port) */
	struct svc_msg msgs[NASYNC];
	struct svc_msg *reply;

	lwkt_initport_spin(&rport, NULL, 0);
	for (int op = 0; op < NOPS; op++) {
		unsigned int x = svc_random(&seed);
		int key = (x >> 8) % NRECORDS;

		switch (x % 8) {
		case 0:		/* one update, waiting for its reply: lwkt_domsg */
			lwkt_initmsg(&msgs[0].m, &rport, 0);
			msgs[0].op = SVC_PUT;
			msgs[0].key = key;
			msgs[0].val = x;
			if (lwkt_domsg(&sc->sc_port, &msgs[0].m, 0) != 0)
				reply_errors++;
			sync_puts++;
			break;
		case 1:		/* NASYNC updates in flight, replies queued on rport */
			for (int i = 0; i < NASYNC; i++) {
				lwkt_initmsg(&msgs[i].m, &rport, 0);
				msgs[i].op = SVC_PUT;
				msgs[i].key = (key + i) % NRECORDS;
				msgs[i].val = x + i;
				lwkt_sendmsg(&sc->sc_port, &msgs[i].m);
			}
			for (int i = 0; i < NASYNC; i++) {
				reply = lwkt_waitport(&rport, 0);
				if (reply < &msgs[0] || reply >= &msgs[NASYNC] ||
				    reply->m.ms_error != 0 || !(reply->m.ms_flags & MSGF_DONE))
					reply_errors++;
			}
			async_puts += NASYNC;
			break;
		default:
			svc_read(sc, key, x >> 16, &torn, &upgrades);
			reads++;
			break;
		}
	}
	if (lwkt_getport(&rport) != NULL)	/* no reply left over */
		reply_errors++;

	spin_lock(&sc->sc_spin);
	sc->sc_reads += reads;
	sc->sc_upgrades += upgrades;
	sc->sc_sync_puts += sync_puts;
	sc->sc_async_puts += async_puts;
	sc->sc_torn += torn;
	sc->sc_reply_errors += reply_errors;
	sc->sc_clients_done++;
	spin_unlock(&sc->sc_spin);
	wakeup(&sc->sc_clients_done);
	return 0;
}

/*
 * The flusher holds sc_tok from start to end and sleeps holding it; DragonFly releases it
 * while the flusher sleeps and gives it back before the flusher runs on.
 */
static int
svc_flusher(void *arg)
{
	struct svc_softc *sc = svc_sc;
	unsigned long seen;

	lwkt_gettoken(&sc->sc_tok);
	sc->sc_flusher_ready = 1;
	wakeup(&sc->sc_flusher_ready);
	while (!sc->sc_stop) {
		/*
		 * No lost wakeup: the journal changes only under sc_tok, and sc_tok is released
		 * only once this thread is asleep on &sc_journal.
		 */
		seen = sc->sc_journal;
		while (sc->sc_journal == seen && !sc->sc_stop)
			tsleep(&sc->sc_journal, 0, "svcflush", hz);
		if (!LWKT_TOKEN_HELD_EXCL(&sc->sc_tok))
			sc->sc_token_lost++;
		if (sc->sc_journal != seen)
			sc->sc_flushes++;
		tok_enter(sc);
		tok_exit(sc);
		if (sc->sc_flushes % 16 == 1) {
			msleep(1);		/* Linux's sleep, holding the token */
			if (!LWKT_TOKEN_HELD_EXCL(&sc->sc_tok))
				sc->sc_token_lost++;
			sc->sc_linux_sleeps++;
		}
	}
	sc->sc_flusher_done = 1;
	wakeup(&sc->sc_flusher_done);
	lwkt_reltoken(&sc->sc_tok);
	return 0;
}

static int
svc_auditor(void *arg)
{
	struct svc_softc *sc = svc_sc;
	struct lwkt_port rport;
	struct svc_msg quit;
	unsigned long writes = 0, hits = 0, puts;
	int torn_records = 0, ok;

	/* ssleep: the spinlock is the interlock (held again on return). */
	spin_lock(&sc->sc_spin);
	while (sc->sc_clients_done < NCLIENTS)
		ssleep(&sc->sc_clients_done, &sc->sc_spin, 0, "svcwait", hz);
	spin_unlock(&sc->sc_spin);

	lwkt_initport_spin(&rport, NULL, 0);
	lwkt_initmsg(&quit.m, &rport, 0);
	quit.op = SVC_QUIT;
	lwkt_domsg(&sc->sc_port, &quit.m, 0);

	lwkt_gettoken(&sc->sc_tok);
	sc->sc_stop = 1;
	wakeup(&sc->sc_journal);
	while (!sc->sc_flusher_done)
		tsleep(&sc->sc_flusher_done, 0, "svcstop", hz);
	lwkt_reltoken(&sc->sc_tok);

	for (int k = 0; k < NRECORDS; k++) {
		struct svc_record *r = &sc->sc_rec[k];

		if (svc_verify(r, k) != 0)
			torn_records++;
		lockmgr(&r->r_lock, LK_SHARED);
		writes += r->r_writes;
		lockmgr(&r->r_lock, LK_RELEASE);
		lwkt_getpooltoken(r);
		hits += r->r_hits;
		lwkt_relpooltoken(r);
	}

	lwkt_gettoken_shared(&sc->sc_tok);
	spin_lock_shared(&sc->sc_spin);
	puts = sc->sc_sync_puts + sc->sc_async_puts;
	ok = torn_records == 0 && sc->sc_torn == 0 && sc->sc_reply_errors == 0 &&
	    writes == puts && sc->sc_journal == puts && hits == puts + sc->sc_reads &&
	    sc->sc_tok_reads == sc->sc_reads && sc->sc_tok_errors == 0 &&
	    sc->sc_token_lost == 0 && sc->sc_flushes > 0 && sc->sc_linux_sleeps > 0;
	pr_info("dfly_msgsvc: %d clients: %lu updates through the port (%lu lwkt_domsg, %lu "
		"lwkt_sendmsg), %lu applied, %lu journaled; %lu shared reads (%lu upgraded), "
		"%lu torn; reply errors %lu\n", NCLIENTS, puts, sc->sc_sync_puts,
		sc->sc_async_puts, writes, sc->sc_journal, sc->sc_reads, sc->sc_upgrades,
		sc->sc_torn + torn_records, sc->sc_reply_errors);
	pr_info("dfly_msgsvc: token: the flusher slept holding it and saw the journal advance "
		"%lu times, slept in Linux msleep() holding it %lu times, lost it %lu times; "
		"sections overlapped %lu times; hits %lu (expected %lu)\n", sc->sc_flushes,
		sc->sc_linux_sleeps, sc->sc_token_lost, sc->sc_tok_errors, hits,
		puts + sc->sc_reads);
	spin_unlock_shared(&sc->sc_spin);
	lwkt_reltoken(&sc->sc_tok);
	sc->sc_passed = ok;
	pr_info("dfly_msgsvc: %s\n", ok ? "PASS" : "FAIL");

	spin_lock(&sc->sc_spin);
	sc->sc_done = 1;
	spin_unlock(&sc->sc_spin);
	wakeup(&sc->sc_done);
	return 0;
}

/*
 * Linux glue: start a thread holding a reference to it first. A thread may finish and exit
 * before the caller looks at it again; the reference keeps its task struct for
 * kthread_stop() at unload, which waits for it to be gone from this module's code.
 */
static struct task_struct *
svc_start(int (*fn)(void *), long arg, const char *name)
{
	struct task_struct *t = kthread_create(fn, (void *)arg, "%s%ld", name, arg);

	if (IS_ERR(t))
		panic("dfly_msgsvc: cannot start threads");
	get_task_struct(t);
	wake_up_process(t);
	return t;
}

static int __init
svc_init(void)
{
	struct svc_softc *sc;
	int n = 0;

	sc = kzalloc(sizeof(*sc), GFP_KERNEL);
	if (sc == NULL)
		return -ENOMEM;
	lwkt_initport_spin(&sc->sc_port, NULL, 0);
	lwkt_token_init(&sc->sc_tok, "svc journal");
	spin_init(&sc->sc_spin, "svc counters");
	for (int k = 0; k < NRECORDS; k++) {
		struct svc_record *r = &sc->sc_rec[k];

		lockinit(&r->r_lock, "svcrec", 0, LK_CANRECURSE);
		for (int i = 0; i < NWORDS; i++)
			r->r_words[i] = k * 1000 + i;
		r->r_sum = svc_sum(r, k);
	}
	svc_sc = sc;

	pr_info("dfly_msgsvc: starting a service thread, a flusher, %d clients and an auditor "
		"(hz=%d)\n", NCLIENTS, hz);
	/* The flusher first, holding sc_tok before any update is journaled. */
	sc->sc_threads[n++] = svc_start(svc_flusher, 0, "svc_flush");
	lwkt_gettoken(&sc->sc_tok);
	while (!sc->sc_flusher_ready)
		tsleep(&sc->sc_flusher_ready, 0, "svcready", hz);
	lwkt_reltoken(&sc->sc_tok);
	sc->sc_threads[n++] = svc_start(svc_server, 0, "svc_server");
	sc->sc_threads[n++] = svc_start(svc_auditor, 0, "svc_audit");
	for (long i = 0; i < NCLIENTS; i++)
		sc->sc_threads[n++] = svc_start(svc_client, i, "svc_client");
	return 0;
}

static void __exit
svc_exit(void)
{
	struct svc_softc *sc = svc_sc;

	spin_lock(&sc->sc_spin);
	while (!sc->sc_done)
		ssleep(&sc->sc_done, &sc->sc_spin, 0, "svcexit", hz);
	spin_unlock(&sc->sc_spin);
	for (int i = 0; i < NCLIENTS + 3; i++) {
		kthread_stop(sc->sc_threads[i]);	/* returns once the thread has exited */
		put_task_struct(sc->sc_threads[i]);
	}
	for (int k = 0; k < NRECORDS; k++)
		lockuninit(&sc->sc_rec[k].r_lock);
	spin_uninit(&sc->sc_spin);
	lwkt_token_uninit(&sc->sc_tok);
	kfree(sc);
	pr_info("dfly_msgsvc: unloaded\n");
}

module_init(svc_init);
module_exit(svc_exit);
MODULE_LICENSE("Dual BSD/GPL");
MODULE_DESCRIPTION("bsdsync example: a DragonFly-style message-port service driver");
