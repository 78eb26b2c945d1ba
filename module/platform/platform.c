// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * Kernel services for the bsdsync core (declared in platform.h). One function per service;
 * no lock logic lives here.
 */
#include <linux/cpumask.h>
#include <linux/export.h>
#include <linux/hardirq.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/hrtimer.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/stacktrace.h>
#include <linux/version.h>

#include "platform.h"
#include <bsdsync/inline_abi.h>

static inline struct task_struct *task_of(const struct thread *td)
{
	return (struct task_struct *)td;
}

/* The lock words keep three flag bits below an owner pointer. */
static_assert(__alignof__(struct task_struct) >= 8, "task_struct alignment");

struct thread *bsdsync_curthread(void)
{
	return (struct thread *)current;
}

/* platform.h names these per-CPU slots in its inline asm. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
static_assert(BSDSYNC_PCPU_HOT == 1, "Kbuild: BSDSYNC_PCPU_HOT");
static_assert(offsetof(struct pcpu_hot, current_task) == 0, "platform.h: BSDSYNC_PCPU_CURRENT");
static_assert(offsetof(struct pcpu_hot, preempt_count) == 8, "platform.h: BSDSYNC_PCPU_PREEMPT");
#else
static_assert(BSDSYNC_PCPU_HOT == 0, "Kbuild: BSDSYNC_PCPU_HOT");
#endif
int bsdsync_irq_inline __read_mostly;

static_assert(BSDSYNC_IRQ_CONTEXT_MASK == (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET),
	      "platform.h: BSDSYNC_IRQ_CONTEXT_MASK");
static_assert(X86_EFLAGS_IF == BSDSYNC_IRQ_FLAGS_ENABLED,
	      "platform.h: BSDSYNC_IRQ_FLAGS_ENABLED");
#ifdef CONFIG_PREEMPT_NONE
#error "bsdsync expects a kernel with a preempt count (PREEMPT_DYNAMIC or PREEMPT)"
#endif

/* Not static: platform.h reads it by name (bsdsync_cpu_state_this, _read_int). */
DEFINE_PER_CPU(struct bsdsync_cpu_area, bsdsync_cpu_area);
static_assert(offsetof(struct bsdsync_cpu_area, state_addr) == 0,
	      "platform.h: bsdsync_cpu_state_this");
static_assert(offsetof(struct bsdsync_cpu_area, state) == 8,
	      "platform.h: bsdsync_cpu_state_read_int");
/* Drivers built for production read this area inline (<bsdsync/inline_abi.h>; exported in
 * module/exports/bsdsync.c): the spin record and the record cache. */
static_assert(offsetof(struct bsdsync_cpu_area, last_td) == BSDSYNC_CPU_LAST_TD,
	      "include/bsdsync/inline_abi.h: BSDSYNC_CPU_LAST_TD");
static_assert(offsetof(struct bsdsync_td_record, task) == 0 &&
	      offsetof(struct bsdsync_td_record, state) == BSDSYNC_TD_STATE_OFFSET,
	      "include/bsdsync/inline_abi.h: BSDSYNC_TD_STATE_OFFSET");

/*
 * May the core's spin sections flip the interrupt flag and the preempt count inline? Only
 * where the kernel's own local_irq_save()/preempt_disable() compile to exactly that: native
 * interrupt ops (with PARAVIRT_XXL they are patched to pushf/cli/sti unless running as a Xen
 * PV guest) and no tracing of the changes (lockdep's irq-state tracking, DEBUG_PREEMPT,
 * the preempt tracers call out on every change). Then checked once in practice.
 */
static int irq_inline_ok(void)
{
	unsigned long flags;
	int pc = preempt_count(), ok;

	if (IS_ENABLED(CONFIG_TRACE_IRQFLAGS) || IS_ENABLED(CONFIG_DEBUG_PREEMPT) ||
	    IS_ENABLED(CONFIG_TRACE_PREEMPT_TOGGLE) || IS_ENABLED(CONFIG_PREEMPT_RT) ||
	    cpu_feature_enabled(X86_FEATURE_XENPV))
		return 0;
	if (irqs_disabled())
		return 0;
	flags = bsdsync_irq_save_preempt_off_fast();
	ok = irqs_disabled() && preempt_count() == pc + 1 && !arch_irqs_disabled_flags(flags);
	if (flags & BSDSYNC_IRQ_FLAGS_ENABLED)
		bsdsync_irq_enable_fast();
	bsdsync_preempt_enable_fast();
	ok = ok && !irqs_disabled() && preempt_count() == pc;
	return ok;
}

int bsdsync_fast_start(void)
{
	struct thread *td;
	int in_irq, cpu;

	for_each_possible_cpu(cpu)
		per_cpu_ptr(&bsdsync_cpu_area, cpu)->state_addr =
			per_cpu_ptr(&bsdsync_cpu_area, cpu)->state;

	/* Check the reads against the kernel's own, here (thread context) and with the
	 * count raised, before any lock relies on them. */
	td = bsdsync_curthread_fast();
	in_irq = bsdsync_in_interrupt();
	local_bh_disable();
	if (td != (struct thread *)current || in_irq || bsdsync_in_interrupt() ||
	    bsdsync_curthread_fast() != (struct thread *)current) {
		local_bh_enable();
		pr_err("bsdsync: per-CPU fast reads disagree with current/preempt_count (%px/%px)\n",
		       td, current);
		return -ENODEV;
	}
	local_bh_enable();

	/* The inline preemption control and per-CPU field access, against the kernel's. */
	{
		struct probe { long l; int i; };
		struct probe __percpu *pc = alloc_percpu(struct probe);
		int before, during, ok;

		if (!pc)
			return -ENOMEM;
		preempt_disable();
		before = preempt_count();
		bsdsync_preempt_disable_fast();
		during = preempt_count();
		bsdsync_preempt_enable_fast();
		this_cpu_ptr(pc)->i = 0x5a5a;
		bsdsync_this_cpu_add_long(&pc->l, 3);
		ok = during == before + 1 && preempt_count() == before &&
		     bsdsync_this_cpu_read_int(&pc->i) == 0x5a5a && this_cpu_ptr(pc)->l == 3;
		preempt_enable();
		free_percpu(pc);
		if (!ok) {
			pr_err("bsdsync: inline preempt count / per-CPU access disagree with the kernel's\n");
			return -ENODEV;
		}
	}
	preempt_disable();
	this_cpu_ptr(&bsdsync_cpu_area)->state[1] = 0x5a5a5a5a;
	if (bsdsync_cpu_state_this() != this_cpu_ptr(&bsdsync_cpu_area)->state ||
	    bsdsync_cpu_state_read_int(8) != 0x5a5a5a5a) {
		this_cpu_ptr(&bsdsync_cpu_area)->state[1] = 0;
		preempt_enable();
		pr_err("bsdsync: per-CPU fast address disagrees with this_cpu_ptr\n");
		return -ENODEV;
	}
	this_cpu_ptr(&bsdsync_cpu_area)->state[1] = 0;
	preempt_enable();
	bsdsync_irq_inline = irq_inline_ok();
	return 0;
}

int bsdsync_thread_tid(const struct thread *td)
{
	return task_pid_nr(task_of(td));
}

const char *bsdsync_thread_comm(const struct thread *td)
{
	return task_of(td)->comm;
}

int bsdsync_thread_prio(const struct thread *td)
{
	return READ_ONCE(task_of(td)->prio);
}

static enum bsdsync_context context_of(bool irqs_off, unsigned int preempt_depth)
{
	if (in_nmi() || in_hardirq())
		return BSDSYNC_CTX_HARDIRQ;
	if (in_serving_softirq())
		return BSDSYNC_CTX_SOFTIRQ;
	if (irqs_off)
		return BSDSYNC_CTX_IRQS_OFF;
	/* An RCU read-side section may not sleep either (PREEMPT_RCU counts it apart). */
	if (preempt_depth != 0 || rcu_preempt_depth() != 0)
		return BSDSYNC_CTX_ATOMIC;
	return BSDSYNC_CTX_THREAD;
}

enum bsdsync_context bsdsync_current_context(void)
{
	return context_of(irqs_disabled(), preempt_count());
}

int bsdsync_irqs_disabled(void)
{
	return irqs_disabled();
}

enum bsdsync_context bsdsync_context_restoring(unsigned long flags, int preempt_less)
{
	return context_of(arch_irqs_disabled_flags(flags), preempt_count() - preempt_less);
}

void bsdsync_preempt_disable(void)
{
	preempt_disable();
}

void bsdsync_preempt_enable(void)
{
	preempt_enable();
}

void bsdsync_preempt_resched(void)
{
	/* bsdsync_preempt_enable_fast() brought the count to zero with a reschedule pending:
	 * take the kernel's own enable path to act on it. */
	preempt_disable();
	preempt_enable();
}

unsigned long bsdsync_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

void bsdsync_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
}

int bsdsync_spin_while_owner_runs(const volatile unsigned long *watch, unsigned long expect,
				  unsigned long mask, unsigned long owner_bits, unsigned long *spins,
				  unsigned long long deadline_ns)
{
	struct task_struct *owner = (struct task_struct *)owner_bits;
	unsigned int passes = 0;
	int changed = 0;

	/* The owner may release the lock and exit while we look at it: task structs are freed
	 * after an RCU grace period, so dereference it only inside a read-side section. */
	rcu_read_lock();
	for (;;) {
		if ((READ_ONCE(*watch) & mask) != expect) {
			changed = 1;
			break;
		}
		if (!owner_on_cpu(owner) || need_resched())
			break;
		/* The clock every 64 passes: a pass (a `pause`) takes some tens of ns natively,
		 * so the deadline is seen within a few microseconds; in the TCG test guest a
		 * clock read on every pass cut the passes in 200 us from thousands to 100. */
		if (deadline_ns && !(++passes & 63) && local_clock() >= deadline_ns)
			break;
		cpu_relax();
		WRITE_ONCE(*spins, *spins + 1);
	}
	rcu_read_unlock();
	return changed;
}

int bsdsync_owner_about_to_run(const volatile unsigned long *watch, unsigned long owner_bits)
{
	struct task_struct *owner = (struct task_struct *)owner_bits;
	unsigned int state;
	int r;

	/* As above: the task is looked at only while *watch still names it, inside RCU. */
	rcu_read_lock();
	if (READ_ONCE(*watch) != owner_bits) {
		r = 1;
	} else if (need_resched()) {
		r = 0;
	} else {
		/* Queued on this CPU, it runs only when the caller leaves: 0. */
		state = READ_ONCE(owner->__state);
		r = (state == TASK_RUNNING || state == TASK_WAKING) &&
		    task_cpu(owner) != raw_smp_processor_id();
	}
	rcu_read_unlock();
	return r;
}

enum bsdsync_block_result bsdsync_block(const int *woken, enum bsdsync_block_state how,
					unsigned long long deadline_ns,
					unsigned long long slack_ns)
{
	unsigned int state;
	enum bsdsync_block_result result = BSDSYNC_WOKEN;

	switch (how) {
	case BSDSYNC_BLOCK_INTERRUPTIBLE:
		state = TASK_INTERRUPTIBLE;
		break;
	case BSDSYNC_BLOCK_IDLE:
		state = TASK_IDLE;
		break;
	default:
		state = TASK_UNINTERRUPTIBLE;
		break;
	}

	for (;;) {
		/* set_current_state() is a full barrier: the flag load below cannot move before
		 * the state store, so a waker that sets the flag then calls wake_up_process()
		 * either is seen here or finds us no longer running and wakes us. */
		set_current_state(state);
		if (smp_load_acquire(woken))
			break;
		if (how == BSDSYNC_BLOCK_INTERRUPTIBLE && signal_pending(current)) {
			result = fatal_signal_pending(current) ? BSDSYNC_SIGNALLED_FATAL
							       : BSDSYNC_SIGNALLED;
			break;
		}
		if (deadline_ns) {
			ktime_t expires = ns_to_ktime(deadline_ns);

			if (ktime_get() >= expires) {
				result = BSDSYNC_TIMED_OUT;
				break;
			}
			/* Absolute expiry: a spurious wakeup never shortens the total wait. */
			schedule_hrtimeout_range(&expires, slack_ns, HRTIMER_MODE_ABS);
		} else {
			schedule();
		}
	}
	__set_current_state(TASK_RUNNING);
	return result;
}

void bsdsync_thread_hold(struct thread *td)
{
	get_task_struct(task_of(td));
}

void bsdsync_thread_release(struct thread *td)
{
	put_task_struct(task_of(td));
}

void bsdsync_wake(struct thread *td)
{
	wake_up_process(task_of(td));
}

void bsdsync_cond_resched(void)
{
	cond_resched();
}

const volatile unsigned long *const bsdsync_jiffies = &jiffies;

unsigned long long bsdsync_spin_clock_ns(void)
{
	return local_clock();
}

unsigned long long bsdsync_uptime_ns(void)
{
	return ktime_get_ns();
}

const int bsdsync_hz = HZ;
static_assert(BSDSYNC_HZ == HZ, "Kbuild: BSDSYNC_HZ");

void bsdsync_print(const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	printk(KERN_ERR "bsdsync: %pV\n", &vaf);
	va_end(args);
}

void bsdsync_dump_stack(void)
{
	dump_stack();
}

unsigned int bsdsync_stack_save(unsigned long *pc, unsigned int max, unsigned int skip)
{
#if IS_ENABLED(CONFIG_STACKTRACE)
	/* +1: this function. */
	return stack_trace_save(pc, max, skip + 1);
#else
	return 0;
#endif
}

void bsdsync_stack_print(const unsigned long *pc, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		printk(KERN_ERR "bsdsync:  %pS\n", (void *)pc[i]);
}

/* Not declared noreturn, and returns for a null `why` (never passed): objtool knows only
 * the kernel's own noreturn functions (as bsdsync_kthread_exit, platform.h). */
void bsdsync_panic(const char *why)
{
	if (why)
		panic("bsdsync: %s", why);
}

int bsdsync_snprintf(char *buf, unsigned long size, const char *fmt, ...)
{
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(buf, size, fmt, args);
	va_end(args);
	return n;
}

void *bsdsync_alloc(unsigned long size, int may_sleep)
{
	return kzalloc(size, may_sleep ? GFP_KERNEL : GFP_ATOMIC);
}

void bsdsync_free(void *p)
{
	kfree(p);
}

void *bsdsync_percpu_alloc(unsigned long size, int may_sleep)
{
	return (void *)__alloc_percpu_gfp(size, __alignof__(long long),
					  may_sleep ? GFP_KERNEL : GFP_NOWAIT);
}

static DEFINE_PER_CPU_ALIGNED(unsigned long long, bsdsync_zero_area[BSDSYNC_PERCPU_ZERO_SIZE / 8]);

void *const bsdsync_percpu_zero_area = (void *)&bsdsync_zero_area;

void bsdsync_percpu_free(void *pcpu)
{
	free_percpu((void __percpu *)pcpu);
}

void *bsdsync_percpu_this(void *pcpu)
{
	return this_cpu_ptr((void __percpu *)pcpu);
}

void *bsdsync_percpu_of(void *pcpu, int cpu)
{
	return per_cpu_ptr((void __percpu *)pcpu, cpu);
}

int bsdsync_cpu_next_possible(int cpu)
{
	unsigned int next = cpumask_next(cpu, cpu_possible_mask);

	return next < nr_cpu_ids ? (int)next : -1;
}

void bsdsync_synchronize_cpus(void)
{
	/* Since Linux 4.20 (one RCU flavour) a grace period also waits for regions with
	 * preemption, interrupts or bottom halves disabled; the expedited form forces it
	 * with IPIs instead of waiting for ticks (microseconds instead of milliseconds). */
	synchronize_rcu_expedited();
}
