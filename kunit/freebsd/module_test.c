/*
 * Module declarations (<sys/module.h>): DECLARE_MODULE's handler gets MOD_LOAD at its
 * (subsystem, order) place among the SYSINITs; a failed MOD_LOAD fails the load with its
 * error and undoes what ran; unload gives MOD_QUIESCE then MOD_UNLOAD before the SYSUNINITs;
 * an unload refusal (which Linux cannot honour) is reported once, naming the module.
 *
 * The first case checks the real path: this test module declares a module and SYSINITs
 * around it, which bsdsync's module notifier ran when the module was inserted. The others
 * drive the sequencing (bsdsync_sysinit_load/unload/shutdown, which that notifier calls)
 * on records of their own, so that a load can fail without failing this module's load.
 */
#include "harness.h"

#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>
#include <sys/conf.h>
#include <bsdsync/sysinit.h>

/* ---- the real path: this module's own declaration, run by the notifier at insmod ---- */

static int load_log[8], load_log_len;

static void
load_log_add(int what)
{
	if (load_log_len < (int)ARRAY_SIZE(load_log))
		load_log[load_log_len++] = what;
}

enum { SEEN_SYSINIT_LOCK = 100, SEEN_MOD_LOAD, SEEN_SYSINIT_CONFIGURE, SEEN_SYSINIT_DRIVERS_LAST };

static void
kunit_module_early(void *arg)
{
	load_log_add(SEEN_SYSINIT_LOCK);
}
static void
kunit_module_late(void *arg)
{
	load_log_add(SEEN_SYSINIT_CONFIGURE);
}
static void
kunit_module_same_sub_later(void *arg)
{
	load_log_add(SEEN_SYSINIT_DRIVERS_LAST);
}

static int kunit_module_priv_seen;

static int
kunit_module_modevent(module_t mod, int what, void *arg)
{
	switch (what) {
	case MOD_LOAD:
		kunit_module_priv_seen = arg == &kunit_module_priv_seen &&
					 strcmp(module_getname(mod), "kunit_module") == 0;
		load_log_add(SEEN_MOD_LOAD);
		return 0;
	case MOD_UNLOAD:
		return 0;
	default:
		return EOPNOTSUPP;
	}
}

static moduledata_t kunit_module_mod = {
	"kunit_module",
	kunit_module_modevent,
	&kunit_module_priv_seen
};

/* Declared in an order unlike the one they must run in. */
SYSINIT(kunit_module_late, SI_SUB_CONFIGURE, SI_ORDER_FIRST, kunit_module_late, NULL);
SYSINIT(kunit_module_same_sub_later, SI_SUB_DRIVERS, SI_ORDER_ANY, kunit_module_same_sub_later,
	NULL);
DECLARE_MODULE(kunit_module, kunit_module_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
SYSINIT(kunit_module_early, SI_SUB_LOCK, SI_ORDER_FIRST, kunit_module_early, NULL);
MODULE_VERSION(kunit_module, 1);
/* Recorded as text: __FreeBSD_version is not defined here, as in most ported files. */
MODULE_DEPEND(kunit_module, kernel, __FreeBSD_version, __FreeBSD_version, 1499999);

static void
declare_module_loads_between_the_sysinits_of_its_file(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, load_log_len, 4);
	KUNIT_EXPECT_EQ(test, load_log[0], SEEN_SYSINIT_LOCK);
	KUNIT_EXPECT_EQ(test, load_log[1], SEEN_MOD_LOAD);
	KUNIT_EXPECT_EQ(test, load_log[2], SEEN_SYSINIT_DRIVERS_LAST);
	KUNIT_EXPECT_EQ(test, load_log[3], SEEN_SYSINIT_CONFIGURE);
	KUNIT_EXPECT_TRUE_MSG(test, kunit_module_priv_seen,
			      "the handler got its moduledata's name and priv");
}

/* ---- the sequencing, on records of the tests' own ---- */

#define NLOG 32
struct seq_log {
	int ev[NLOG];
	int n;
};
static struct seq_log seq;

/* Log entries: a SYSINIT or SYSUNINIT logs its id; a module event logs 1000 * id + event. */
static void
seq_add(int v)
{
	if (seq.n < NLOG)
		seq.ev[seq.n++] = v;
}

static void
seq_func(const void *udata)
{
	seq_add((int)(uintptr_t)udata);
}

/* A test module: its id and what it returns for each event. */
struct seq_mod {
	int id;
	int ret[4];
};

static int
seq_modevent(module_t mod, int what, void *arg)
{
	struct seq_mod *m = arg;

	seq_add(1000 * m->id + what);
	return m->ret[what];
}

#define SEQ_SYSINIT(sub, order, id)							\
	((struct bsdsync_sysinit){ (sub), (order), seq_func, (const void *)(uintptr_t)(id),	\
				   NULL, NULL })
#define SEQ_MODULE(sub, order, md)							\
	((struct bsdsync_sysinit){ (sub), (order), NULL, NULL, NULL,			\
				   (const struct bsdsync_moduledata *)(const void *)(md) })

static void
seq_reset(void)
{
	memset(&seq, 0, sizeof(seq));
}

static void
seq_expect(struct kunit *test, const int *want, int n)
{
	int i;

	KUNIT_EXPECT_EQ(test, seq.n, n);
	for (i = 0; i < n && i < seq.n; i++)
		KUNIT_EXPECT_EQ_MSG(test, seq.ev[i], want[i], "event %d", i);
}

static void
mod_load_runs_at_its_place_among_the_sysinits(struct kunit *test)
{
	struct seq_mod m1 = { 1, { 0, 0, EOPNOTSUPP, EOPNOTSUPP } };
	moduledata_t md1 = { "seq1", seq_modevent, &m1 };
	struct bsdsync_sysinit r[] = {
		SEQ_SYSINIT(SI_SUB_CONFIGURE, SI_ORDER_FIRST, 3),
		SEQ_MODULE(SI_SUB_DRIVERS, SI_ORDER_MIDDLE, &md1),
		SEQ_SYSINIT(SI_SUB_DRIVERS, SI_ORDER_FIRST, 2),
		SEQ_SYSINIT(SI_SUB_LOCK, SI_ORDER_ANY, 1),
	};
	struct bsdsync_sysinit u[] = {
		SEQ_SYSINIT(SI_SUB_LOCK, SI_ORDER_ANY, 11),
		SEQ_SYSINIT(SI_SUB_CONFIGURE, SI_ORDER_FIRST, 13),
	};
	const struct bsdsync_sysinit *inits[] = { &r[0], &r[1], &r[2], &r[3] };
	const struct bsdsync_sysinit *uninits[] = { &u[0], &u[1] };
	static const int want_load[] = { 1, 2, 1000 + MOD_LOAD, 3 };
	static const int want_unload[] = { 1000 + MOD_QUIESCE, 1000 + MOD_UNLOAD, 13, 11 };

	seq_reset();
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, bsdsync_sysinit_load("seqtest", inits, 4,
									 uninits, 2), 0));
	seq_expect(test, want_load, ARRAY_SIZE(want_load));
	seq_reset();
	/* MOD_QUIESCE's EOPNOTSUPP is no refusal (FreeBSD's module_unload). */
	BT_EXPECT_NO_REPORT(test, bsdsync_sysinit_unload("seqtest", inits, 4, uninits, 2));
	seq_expect(test, want_unload, ARRAY_SIZE(want_unload));
}

static void
mod_load_error_fails_the_load_and_undoes_what_ran(struct kunit *test)
{
	struct seq_mod m1 = { 1, { 0, 0, 0, 0 } };
	struct seq_mod m2 = { 2, { ENXIO, 0, 0, 0 } };
	moduledata_t md1 = { "seq1", seq_modevent, &m1 };
	moduledata_t md2 = { "seq2", seq_modevent, &m2 };
	struct bsdsync_sysinit r[] = {
		SEQ_SYSINIT(SI_SUB_CONFIGURE, SI_ORDER_FIRST, 3),
		SEQ_MODULE(SI_SUB_DRIVERS, SI_ORDER_MIDDLE, &md2),
		SEQ_MODULE(SI_SUB_DRIVERS, SI_ORDER_FIRST, &md1),
		SEQ_SYSINIT(SI_SUB_LOCK, SI_ORDER_FIRST, 1),
	};
	struct bsdsync_sysinit u[] = {
		SEQ_SYSINIT(SI_SUB_CONFIGURE, SI_ORDER_FIRST, 13),
		SEQ_SYSINIT(SI_SUB_LOCK, SI_ORDER_FIRST, 11),
		SEQ_SYSINIT(SI_SUB_LOCK, SI_ORDER_SECOND, 12),
	};
	const struct bsdsync_sysinit *inits[] = { &r[0], &r[1], &r[2], &r[3] };
	const struct bsdsync_sysinit *uninits[] = { &u[0], &u[1], &u[2] };
	/* The failing module gets MOD_UNLOAD (FreeBSD's module_register_init), the one loaded
	 * before it QUIESCE and UNLOAD, then the SYSUNINITs before the failure, newest first;
	 * neither the SYSINIT nor the SYSUNINIT after it runs. */
	static const int want[] = {
		1, 1000 + MOD_LOAD, 2000 + MOD_LOAD, 2000 + MOD_UNLOAD,
		1000 + MOD_QUIESCE, 1000 + MOD_UNLOAD, 12, 11,
	};

	seq_reset();
	BT_EXPECT_NO_REPORT(test, KUNIT_EXPECT_EQ(test, bsdsync_sysinit_load("seqtest", inits, 4,
									 uninits, 3), -ENXIO));
	seq_expect(test, want, ARRAY_SIZE(want));
}

static void
mod_load_error_keeps_a_linux_errno_and_refuses_a_non_errno(struct kunit *test)
{
	struct seq_mod m = { 1, { -ENODEV, 0, 0, 0 } };
	moduledata_t md = { "seq1", seq_modevent, &m };
	struct bsdsync_sysinit r = SEQ_MODULE(SI_SUB_DRIVERS, SI_ORDER_MIDDLE, &md);
	const struct bsdsync_sysinit *inits[] = { &r };

	seq_reset();
	KUNIT_EXPECT_EQ(test, bsdsync_sysinit_load("seqtest", inits, 1, NULL, 0), -ENODEV);
	m.ret[MOD_LOAD] = 100000;
	KUNIT_EXPECT_EQ(test, bsdsync_sysinit_load("seqtest", inits, 1, NULL, 0), -EINVAL);
}

static void
mod_unload_error_is_reported_once_and_the_unload_goes_on(struct kunit *test)
{
	struct seq_mod m1 = { 1, { 0, EBUSY, 0, EOPNOTSUPP } };
	struct seq_mod m2 = { 2, { 0, 0, 0, 0 } };
	moduledata_t md1 = { "seq_refuses", seq_modevent, &m1 };
	moduledata_t md2 = { "seq2", seq_modevent, &m2 };
	struct bsdsync_sysinit r[] = {
		SEQ_MODULE(SI_SUB_DRIVERS, SI_ORDER_FIRST, &md1),
		SEQ_MODULE(SI_SUB_DRIVERS, SI_ORDER_SECOND, &md2),
	};
	struct bsdsync_sysinit u = SEQ_SYSINIT(SI_SUB_DRIVERS, SI_ORDER_FIRST, 11);
	const struct bsdsync_sysinit *inits[] = { &r[0], &r[1] };
	const struct bsdsync_sysinit *uninits[] = { &u };
	static const int want[] = {
		2000 + MOD_QUIESCE, 2000 + MOD_UNLOAD, 1000 + MOD_QUIESCE, 1000 + MOD_UNLOAD, 11,
	};

	seq_reset();
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNLOAD_REFUSED,
			 bsdsync_sysinit_unload("seqtest", inits, 2, uninits, 1));
	seq_expect(test, want, ARRAY_SIZE(want));
}

static void
mod_quiesce_refusal_is_reported_once_and_unload_still_runs(struct kunit *test)
{
	struct seq_mod m = { 1, { 0, 0, 0, EBUSY } };
	moduledata_t md = { "seq_busy", seq_modevent, &m };
	struct bsdsync_sysinit r = SEQ_MODULE(SI_SUB_DRIVERS, SI_ORDER_FIRST, &md);
	const struct bsdsync_sysinit *inits[] = { &r };
	static const int want[] = { 1000 + MOD_QUIESCE, 1000 + MOD_UNLOAD };

	seq_reset();
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_UNLOAD_REFUSED,
			 bsdsync_sysinit_unload("seqtest", inits, 1, NULL, 0));
	seq_expect(test, want, ARRAY_SIZE(want));
}

static void
mod_shutdown_reaches_every_module_and_no_sysinit(struct kunit *test)
{
	struct seq_mod m1 = { 1, { 0, 0, EOPNOTSUPP, 0 } };
	struct seq_mod m2 = { 2, { 0, 0, 0, 0 } };
	moduledata_t md1 = { "seq1", seq_modevent, &m1 };
	moduledata_t md2 = { "seq2", seq_modevent, &m2 };
	struct bsdsync_sysinit r[] = {
		SEQ_MODULE(SI_SUB_DRIVERS, SI_ORDER_FIRST, &md1),
		SEQ_SYSINIT(SI_SUB_DRIVERS, SI_ORDER_SECOND, 1),
		SEQ_MODULE(SI_SUB_CONFIGURE, SI_ORDER_FIRST, &md2),
	};
	const struct bsdsync_sysinit *inits[] = { &r[0], &r[1], &r[2] };
	static const int want[] = { 2000 + MOD_SHUTDOWN, 1000 + MOD_SHUTDOWN };

	seq_reset();
	BT_EXPECT_NO_REPORT(test, bsdsync_sysinit_shutdown(inits, 3));
	seq_expect(test, want, ARRAY_SIZE(want));
}

/* A module with no handler (FreeBSD's modevent_nop): loads and unloads, doing nothing. */
static void
module_without_a_handler_loads_and_unloads(struct kunit *test)
{
	moduledata_t md = { "seq_nop", NULL, NULL };
	struct bsdsync_sysinit r = SEQ_MODULE(SI_SUB_DRIVERS, SI_ORDER_FIRST, &md);
	const struct bsdsync_sysinit *inits[] = { &r };

	KUNIT_EXPECT_EQ(test, bsdsync_sysinit_load("seqtest", inits, 1, NULL, 0), 0);
	BT_EXPECT_NO_REPORT(test, bsdsync_sysinit_unload("seqtest", inits, 1, NULL, 0));
	BT_EXPECT_NO_REPORT(test, bsdsync_sysinit_shutdown(inits, 1));
}

/* DEV_MODULE (<sys/conf.h>) is DECLARE_MODULE in SI_SUB_DRIVERS, SI_ORDER_MIDDLE, named
 * after its module. */
static int
dev_module_modevent(module_t mod, int what, void *arg)
{
	return what == MOD_LOAD || what == MOD_UNLOAD ? 0 : EOPNOTSUPP;
}
DEV_MODULE(kunit_devmod, dev_module_modevent, NULL);

static void
dev_module_declares_a_driver_module(struct kunit *test)
{
	const struct bsdsync_sysinit *r = __bsdsync_sysinit_kunit_devmodmodule();

	KUNIT_EXPECT_EQ(test, r->subsystem, (unsigned int)SI_SUB_DRIVERS);
	KUNIT_EXPECT_EQ(test, r->order, (unsigned int)SI_ORDER_MIDDLE);
	KUNIT_EXPECT_PTR_EQ(test, r->func, NULL);
	KUNIT_ASSERT_NOT_NULL(test, r->module);
	KUNIT_EXPECT_STREQ(test, r->module->name, "kunit_devmod");
	KUNIT_EXPECT_PTR_EQ(test, (const void *)r->module, (const void *)&kunit_devmod_mod);
}

static struct kunit_case module_cases[] = {
	KUNIT_CASE(declare_module_loads_between_the_sysinits_of_its_file),
	KUNIT_CASE(mod_load_runs_at_its_place_among_the_sysinits),
	KUNIT_CASE(mod_load_error_fails_the_load_and_undoes_what_ran),
	KUNIT_CASE(mod_load_error_keeps_a_linux_errno_and_refuses_a_non_errno),
	KUNIT_CASE(mod_unload_error_is_reported_once_and_the_unload_goes_on),
	KUNIT_CASE(mod_quiesce_refusal_is_reported_once_and_unload_still_runs),
	KUNIT_CASE(mod_shutdown_reaches_every_module_and_no_sysinit),
	KUNIT_CASE(module_without_a_handler_loads_and_unloads),
	KUNIT_CASE(dev_module_declares_a_driver_module),
	{}
};

static struct kunit_suite module_suite = {
	.name = "freebsd_module",
	.test_cases = module_cases,
};

kunit_test_suites(&module_suite);
