/*
 * <sys/systm.h> and friends: KASSERT/MPASS (one report, the caller goes on), WITNESS_WARN,
 * spinlock_enter/exit, printf, the string helpers, sysctl declarations and handlers, ktr,
 * <sys/cdefs.h>, <sys/param.h> rounding, <sys/limits.h>, curthread/curcpu.
 */
#include "harness_freebsd.h"
#include <linux/irqflags.h>
#include <linux/preempt.h>

#include <sys/cdefs.h>
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/limits.h>
#include <sys/ktr.h>
#include <sys/lock.h>
#include <sys/mutex.h>
#include <sys/sx.h>
#include <sys/lockmgr.h>
#include <sys/pcpu.h>
#include <sys/sysctl.h>

__FBSDID("$FreeBSD$");

/* ---- KASSERT -------------------------------------------------------------------------- */
static int kassert_side_effects;

static void kassert_failure_reports_once_and_returns(struct kunit *test)
{
	int x = 3;

	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION,
			 KASSERT(x == 4, ("x is %d, not 4", x)));
	BT_EXPECT_NO_REPORT(test, KASSERT(x == 3, ("x is %d", x)));
	/* The message is evaluated only on failure. */
	BT_EXPECT_NO_REPORT(test, KASSERT(true, ("%d", ++kassert_side_effects)));
	KUNIT_EXPECT_EQ(test, kassert_side_effects, 0);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, MPASS(x < 0));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, MPASS2(x < 0, "x is negative"));
}

CTASSERT(sizeof(uint32_t) == 4);
CTASSERT(nitems((int[7]){ 0 }) == 7);

/* ---- WITNESS_WARN --------------------------------------------------------------------- */
static void witness_warn_reports_with_mutex_held_not_without(struct kunit *test)
{
	struct mtx m, other;
	int r;

	mtx_init(&m, "bt ww", NULL, MTX_DEF);
	mtx_init(&other, "bt ww other", NULL, MTX_DEF);
	BT_EXPECT_NO_REPORT(test, r = WITNESS_WARN(WARN_SLEEPOK, NULL, "no lock"));
	KUNIT_EXPECT_EQ(test, r, 0);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 r = WITNESS_WARN(WARN_GIANTOK | WARN_SLEEPOK, NULL, "about to %s", "sleep"));
	KUNIT_EXPECT_EQ(test, r, 1);
	/* The lock named in the call is excepted (the interlock of the coming sleep). */
	BT_EXPECT_NO_REPORT(test, r = WITNESS_WARN(WARN_SLEEPOK, &m.lock_object, "interlock"));
	KUNIT_EXPECT_EQ(test, r, 0);
	mtx_lock(&other);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 r = WITNESS_WARN(WARN_SLEEPOK, &m.lock_object, "another held"));
	mtx_unlock(&other);
	mtx_unlock(&m);
	mtx_destroy(&other);
	mtx_destroy(&m);
}

static void witness_warn_sleepable_lock_is_fine(struct kunit *test)
{
	struct sx sx;
	int r;

	sx_init(&sx, "bt ww sx");
	sx_xlock(&sx);
	BT_EXPECT_NO_REPORT(test, r = WITNESS_WARN(WARN_SLEEPOK, NULL, "sx held"));
	KUNIT_EXPECT_EQ(test, r, 0);
	sx_xunlock(&sx);
	sx_destroy(&sx);
}

/* Without WARN_SLEEPOK, sleepable locks count as FreeBSD's witness_warn counts them: one
 * report, and the number of locks it would list (other than `lock`). */
static void witness_warn_counts_sleepable_locks_without_sleepok(struct kunit *test)
{
	struct sx sx;
	struct lock lk;
	int r = -1;

	sx_init(&sx, "bt ww sx count");
	lockinit(&lk, 0, "bt ww lockmgr count", 0, 0);
	sx_xlock(&sx);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, r = WITNESS_WARN(0, NULL, "sx held"));
	KUNIT_EXPECT_EQ(test, r, 1);
	lockmgr(&lk, LK_SHARED, NULL);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION, r = WITNESS_WARN(0, NULL, "two held"));
	KUNIT_EXPECT_EQ(test, r, 2);
	/* The lock named in the call is not counted. */
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_ASSERTION,
			 r = WITNESS_WARN(0, &sx.lock_object, "one other held"));
	KUNIT_EXPECT_EQ(test, r, 1);
	BT_EXPECT_NO_REPORT(test, r = WITNESS_WARN(WARN_SLEEPOK, NULL, "sleepable ok"));
	KUNIT_EXPECT_EQ(test, r, 0);
	lockmgr(&lk, LK_RELEASE, NULL);
	sx_xunlock(&sx);
	BT_EXPECT_NO_REPORT(test, r = WITNESS_WARN(0, NULL, "none held"));
	KUNIT_EXPECT_EQ(test, r, 0);
	lockdestroy(&lk);
	sx_destroy(&sx);
}

/* A sleepable and a non-sleepable lock: the report is the non-sleepable one's (the first
 * check that finds something), the count is both, or the non-sleepable one with
 * WARN_SLEEPOK. */
static void witness_warn_counts_every_listed_lock_and_reports_once(struct kunit *test)
{
	struct sx sx;
	struct mtx m;
	int r = -1;

	sx_init(&sx, "bt ww sx both");
	mtx_init(&m, "bt ww mtx both", NULL, MTX_DEF);
	sx_slock(&sx);
	mtx_lock(&m);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 r = WITNESS_WARN(0, NULL, "both held"));
	KUNIT_EXPECT_EQ(test, r, 2);
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 r = WITNESS_WARN(WARN_SLEEPOK, NULL, "both held, sleepable ok"));
	KUNIT_EXPECT_EQ(test, r, 1);
	mtx_unlock(&m);
	sx_sunlock(&sx);
	mtx_destroy(&m);
	sx_destroy(&sx);
}

static void witness_warn_giant_without_giantok_reported(struct kunit *test)
{
	mtx_lock(&Giant);
	BT_EXPECT_NO_REPORT(test, WITNESS_WARN(WARN_GIANTOK | WARN_SLEEPOK, NULL, "Giant ok"));
	BT_EXPECT_REPORT(test, BSDSYNC_RULE_SLEEP_NONSLEEPABLE,
			 WITNESS_WARN(WARN_SLEEPOK, NULL, "Giant not ok"));
	mtx_unlock(&Giant);
}

static void witness_warn_in_spin_section_reported(struct kunit *test)
{
	struct bt_probe probe;
	int r;

	bt_probe_begin(&probe, BSDSYNC_RULE_SLEEP_ATOMIC);
	spinlock_enter();
	r = WITNESS_WARN(WARN_GIANTOK | WARN_SLEEPOK, NULL, "in spinlock_enter");
	bt_probe_end(&probe);
	spinlock_exit();
	bt_expect_one_report_no_sleep(test, &probe, "WITNESS_WARN in spinlock_enter");
	KUNIT_EXPECT_EQ(test, r, 1);
}

/* ---- spinlock_enter ------------------------------------------------------------------- */
static void spinlock_enter_disables_interrupts_and_nests(struct kunit *test)
{
	bool irqs_off_outer, irqs_off_inner, irqs_off_after_inner, preempt_off;

	spinlock_enter();
	irqs_off_outer = irqs_disabled();
	spinlock_enter();
	irqs_off_inner = irqs_disabled();
	spinlock_exit();
	irqs_off_after_inner = irqs_disabled();	/* still off: the outer one is held */
	preempt_off = preempt_count() > 0;
	spinlock_exit();
	KUNIT_EXPECT_TRUE(test, irqs_off_outer);
	KUNIT_EXPECT_TRUE(test, irqs_off_inner);
	KUNIT_EXPECT_TRUE(test, irqs_off_after_inner);
	KUNIT_EXPECT_TRUE(test, preempt_off);
	KUNIT_EXPECT_FALSE(test, irqs_disabled());
}

static void curthread_and_curcpu(struct kunit *test)
{
	int cpu_bsd, cpu_linux;

	KUNIT_EXPECT_PTR_EQ(test, (void *)curthread, (void *)current);
	spinlock_enter();
	cpu_bsd = curcpu;
	cpu_linux = raw_smp_processor_id();
	spinlock_exit();
	KUNIT_EXPECT_EQ(test, cpu_bsd, cpu_linux);
	spinlock_enter();
	cpu_bsd = PCPU_GET(cpuid);
	cpu_linux = raw_smp_processor_id();
	spinlock_exit();
	KUNIT_EXPECT_EQ(test, cpu_bsd, cpu_linux);
}

/* ---- printf and strings --------------------------------------------------------------- */
static void printf_returns_length_and_continues_lines(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, printf("bsdsync systm_test: printf %s", "in "), 30);
	KUNIT_EXPECT_EQ(test, printf("pieces %d\n", 2), 9);
	KUNIT_EXPECT_EQ(test, printf("%s", ""), 0);
}

static void string_helpers_behave_as_freebsd(struct kunit *test)
{
	char buf[8], src[8] = "abcdefg";

	bcopy(src, src + 1, 3);				/* overlapping: memmove */
	KUNIT_EXPECT_STREQ(test, src, "aabcefg");
	bzero(buf, sizeof(buf));
	KUNIT_EXPECT_EQ(test, buf[7], 0);
	KUNIT_EXPECT_EQ(test, bcmp("abc", "abd", 2), 0);
	KUNIT_EXPECT_NE(test, bcmp("abc", "abd", 3), 0);
	KUNIT_EXPECT_EQ(test, strlcpy(buf, "0123456789", sizeof(buf)), (size_t)10);
	KUNIT_EXPECT_STREQ(test, buf, "0123456");
	KUNIT_EXPECT_EQ(test, strlcpy(buf, "ab", sizeof(buf)), (size_t)2);
	KUNIT_EXPECT_EQ(test, strlcat(buf, "cdefgh", sizeof(buf)), (size_t)8);
	KUNIT_EXPECT_STREQ(test, buf, "abcdefg");
	KUNIT_EXPECT_EQ(test, strlcpy(buf, "xyz", 0), (size_t)3);	/* size 0: nothing written */
	KUNIT_EXPECT_STREQ(test, buf, "abcdefg");
	KUNIT_EXPECT_EQ(test, strlen(buf), (size_t)7);
	KUNIT_EXPECT_EQ(test, strcmp(buf, "abcdefg"), 0);
}

/* ---- sysctl --------------------------------------------------------------------------- */
static int bt_sysctl_int = 5;
static u_long bt_sysctl_ulong = 7;
static char bt_sysctl_str[16] = "hello";
static int bt_sysctl_proc_calls;

SYSCTL_DECL(_debug_bsdsync);
SYSCTL_NODE(_debug, OID_AUTO, bsdsync, CTLFLAG_RD | CTLFLAG_MPSAFE, 0, "bsdsync tests");
static SYSCTL_NODE(_debug_bsdsync, OID_AUTO, inner, CTLFLAG_RD, NULL, "a static node");
SYSCTL_INT(_debug_bsdsync, OID_AUTO, an_int, CTLFLAG_RWTUN, &bt_sysctl_int, 0, "an int");
SYSCTL_ULONG(_debug_bsdsync, OID_AUTO, a_ulong, CTLFLAG_RD, &bt_sysctl_ulong, 0, "a ulong");
SYSCTL_STRING(_debug_bsdsync, OID_AUTO, a_string, CTLFLAG_RW, bt_sysctl_str,
	      sizeof(bt_sysctl_str), "a string");
SYSCTL_INT(_debug_bsdsync_inner, OID_AUTO, constant, CTLFLAG_RD, SYSCTL_NULL_INT_PTR, 42, "42");
TUNABLE_INT("debug.bsdsync.an_int", &bt_sysctl_int);

static int bt_sysctl_proc(SYSCTL_HANDLER_ARGS)
{
	int v = bt_sysctl_int * 2;

	bt_sysctl_proc_calls++;
	return sysctl_handle_int(oidp, &v, 0, req);
}
SYSCTL_PROC(_debug_bsdsync, OID_AUTO, doubled, CTLTYPE_INT | CTLFLAG_RD | CTLFLAG_MPSAFE,
	    NULL, 0, bt_sysctl_proc, "I", "twice an_int");

static void sysctl_declarations_compile_and_variables_work(struct kunit *test)
{
	int out = 0, in = 9;
	char sout[16];
	struct sysctl_req req = { .oldptr = &out, .oldlen = sizeof(out) };

	/* The records name the variables; nothing calls the handlers. */
	KUNIT_EXPECT_EQ(test, bt_sysctl_proc_calls, 0);
	KUNIT_EXPECT_EQ(test, bt_sysctl_int, 5);
	bt_sysctl_int = 6;
	KUNIT_EXPECT_EQ(test, bt_sysctl_ulong, 7UL);

	/* A handler called by the driver itself, over a kernel-memory request. */
	KUNIT_EXPECT_EQ(test, bt_sysctl_proc(NULL, NULL, 0, &req), 0);
	KUNIT_EXPECT_EQ(test, out, 12);
	KUNIT_EXPECT_EQ(test, req.oldidx, sizeof(int));
	KUNIT_EXPECT_EQ(test, bt_sysctl_proc_calls, 1);

	req = (struct sysctl_req){ .oldptr = &out, .oldlen = sizeof(out),
				   .newptr = &in, .newlen = sizeof(in) };
	KUNIT_EXPECT_EQ(test, sysctl_handle_int(NULL, &bt_sysctl_int, 0, &req), 0);
	KUNIT_EXPECT_EQ(test, out, 6);
	KUNIT_EXPECT_EQ(test, bt_sysctl_int, 9);
	/* A constant (arg1 NULL) cannot be written. */
	req = (struct sysctl_req){ .oldptr = &out, .oldlen = sizeof(out),
				   .newptr = &in, .newlen = sizeof(in) };
	KUNIT_EXPECT_EQ(test, sysctl_handle_int(NULL, NULL, 42, &req), EPERM);
	KUNIT_EXPECT_EQ(test, out, 42);

	req = (struct sysctl_req){ .oldptr = sout, .oldlen = sizeof(sout),
				   .newptr = "world", .newlen = 5 };
	KUNIT_EXPECT_EQ(test, sysctl_handle_string(NULL, bt_sysctl_str, sizeof(bt_sysctl_str),
						   &req), 0);
	KUNIT_EXPECT_STREQ(test, sout, "hello");
	KUNIT_EXPECT_STREQ(test, bt_sysctl_str, "world");
	bt_sysctl_int = 5;
}

/* ---- ktr, cdefs, param, limits -------------------------------------------------------- */
static int ktr_evaluations;

static void ktr_compiles_away(struct kunit *test)
{
	CTR0(KTR_LOCK, "zero");
	CTR1(KTR_LOCK, "one %d", ++ktr_evaluations);
	CTR6(KTR_GEN | KTR_DEV, "six", ++ktr_evaluations, 2, 3, 4, 5, 6);
	KUNIT_EXPECT_EQ(test, ktr_evaluations, 0);
}

struct bt_outer {
	int a;
	long b;
};

static void cdefs_param_limits(struct kunit *test)
{
	struct bt_outer o;
	const char *cs = "const";
	char *s = __DECONST(char *, cs);
	int __unused unused_var;
	int diag __diagused = 1;

	KUNIT_EXPECT_PTR_EQ(test, __containerof(&o.b, struct bt_outer, b), &o);
	KUNIT_EXPECT_PTR_EQ(test, (const char *)s, cs);
	KUNIT_EXPECT_TRUE(test, __predict_true(diag == 1));
	KUNIT_EXPECT_FALSE(test, __predict_false(diag == 0));
	KUNIT_EXPECT_STREQ(test, __XSTRING(__CONCAT(ab, cd)), "abcd");
	KUNIT_EXPECT_EQ(test, howmany(65, 64), 2);
	KUNIT_EXPECT_EQ(test, roundup2(65, 64), 128);
	KUNIT_EXPECT_EQ(test, rounddown2(65, 64), 64);
	KUNIT_EXPECT_EQ(test, roundup(65, 10), 70);
	KUNIT_EXPECT_TRUE(test, powerof2(64));
	KUNIT_EXPECT_FALSE(test, powerof2(65));
	KUNIT_EXPECT_EQ(test, INT_MAX, 0x7fffffff);
	KUNIT_EXPECT_EQ(test, UINT_MAX, 0xffffffffU);
	KUNIT_EXPECT_EQ(test, CHAR_BIT, 8);
	KUNIT_EXPECT_EQ(test, QUAD_MAX, LLONG_MAX);
	KUNIT_EXPECT_EQ(test, (int)sizeof(device_t), (int)sizeof(void *));
}

static struct kunit_case systm_cases[] = {
	KUNIT_CASE(kassert_failure_reports_once_and_returns),
	KUNIT_CASE(witness_warn_reports_with_mutex_held_not_without),
	KUNIT_CASE(witness_warn_sleepable_lock_is_fine),
	KUNIT_CASE(witness_warn_counts_sleepable_locks_without_sleepok),
	KUNIT_CASE(witness_warn_counts_every_listed_lock_and_reports_once),
	KUNIT_CASE(witness_warn_giant_without_giantok_reported),
	KUNIT_CASE(witness_warn_in_spin_section_reported),
	KUNIT_CASE(spinlock_enter_disables_interrupts_and_nests),
	KUNIT_CASE(curthread_and_curcpu),
	KUNIT_CASE(printf_returns_length_and_continues_lines),
	KUNIT_CASE(string_helpers_behave_as_freebsd),
	KUNIT_CASE(sysctl_declarations_compile_and_variables_work),
	KUNIT_CASE(ktr_compiles_away),
	KUNIT_CASE(cdefs_param_limits),
	{}
};

static struct kunit_suite systm_suite = {
	.name = "freebsd_systm",
	.test_cases = systm_cases,
};

kunit_test_suites(&systm_suite);
