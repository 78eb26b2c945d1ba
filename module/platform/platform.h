/*
 * The platform interface: every kernel service the bsdsync core needs, as plain C functions.
 *
 * This header is included by the C++ core and personalities, by the C files of
 * module/platform, and by module/personalities.c and module/exports/bsdsync.c. It must not
 * include any Linux header: the core never sees Linux types. Each function is one kernel
 * service with no lock logic of its own (the spin nesting built on the raw interrupt and
 * preemption operations below is the core's: core/spin.h), and no personality is named here
 * (scripts/check-layers.py). Debian kernels have PARAVIRT_XXL and PREEMPT_DYNAMIC,
 * so interrupt and preemption control, `current`, and the scheduler are only ever reached
 * through these calls (kernel-cxx.md).
 */
#ifndef BSDSYNC_PLATFORM_H
#define BSDSYNC_PLATFORM_H

#include <bsdsync/types.h>

BSDSYNC_BEGIN_DECLS

/* ---- the current thread ---------------------------------------------------------------- */
/* The running task as an opaque handle. In hard/soft interrupt context this is the
 * interrupted task. Task structs are at least 64-byte aligned, so lock words may keep flag
 * bits in the low bits of an owner pointer. */
struct thread *bsdsync_curthread(void);

/*
 * The same, and the interrupt-context test, inline for the core's fast paths. On x86-64 the
 * current task and the preempt count live in per-CPU slots read with one %gs-relative load
 * each, addressed by symbol as the kernel's own inlines do. Where those slots are differs
 * between kernel versions (6.1: current_task and __preempt_count; 6.2 and later: pcpu_hot,
 * with the preempt count 8 bytes in): Kbuild passes BSDSYNC_PCPU_HOT from the kernel
 * version, platform.c checks the layout against the kernel's headers at compile time and,
 * at load (bsdsync_fast_start), that these reads agree with current and preempt_count().
 */
#if BSDSYNC_PCPU_HOT
#define BSDSYNC_PCPU_CURRENT "pcpu_hot"
#define BSDSYNC_PCPU_PREEMPT "pcpu_hot+8"
#else
#define BSDSYNC_PCPU_CURRENT "current_task"
#define BSDSYNC_PCPU_PREEMPT "__preempt_count"
#endif
/* NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET of the preempt count (the same in every kernel
 * bsdsync builds for; platform.c checks it against the kernel's headers at compile time). */
#define BSDSYNC_IRQ_CONTEXT_MASK 0x00ff0100u
int bsdsync_fast_start(void);

static inline struct thread *bsdsync_curthread_fast(void)
{
	struct thread *t;

	/* Not volatile: the current task does not change under a running thread, whichever
	 * CPU it runs on, so the compiler may reuse one read. */
	__asm__("movq %%gs:" BSDSYNC_PCPU_CURRENT "(%%rip), %0" : "=r"(t));
	return t;
}
int bsdsync_thread_tid(const struct thread *td);
const char *bsdsync_thread_comm(const struct thread *td);
/* Linux priority of a task: lower is more important (0..139). */
int bsdsync_thread_prio(const struct thread *td);

/* ---- execution context ------------------------------------------------------------------ */
enum bsdsync_context {
	BSDSYNC_CTX_THREAD = 0,		/* a thread that may block */
	BSDSYNC_CTX_HARDIRQ,		/* hard interrupt or NMI */
	BSDSYNC_CTX_SOFTIRQ,		/* softirq / bottom half */
	BSDSYNC_CTX_IRQS_OFF,		/* thread with local interrupts disabled */
	BSDSYNC_CTX_ATOMIC,		/* thread with preemption disabled (critical section, spin lock) */
};
/* Where the caller runs, for the rule checks of blocking primitives. */
enum bsdsync_context bsdsync_current_context(void);
/* Nonzero in hard or soft interrupt context (NMI, hard IRQ, serving a softirq). */
static inline int bsdsync_in_interrupt(void)
{
	unsigned int pc;

	__asm__ __volatile__("movl %%gs:" BSDSYNC_PCPU_PREEMPT "(%%rip), %0" : "=r"(pc));
	return (pc & BSDSYNC_IRQ_CONTEXT_MASK) != 0;
}

/* ---- preemption, interrupts, per-CPU state -------------------------------------------------- */
void bsdsync_preempt_disable(void);
void bsdsync_preempt_enable(void);

/*
 * The same inline, for fast paths: one %gs-relative instruction on the preempt count each, as
 * the kernel's own preempt_disable()/preempt_enable() on x86-64 (the count's offset is
 * BSDSYNC_PCPU_PREEMPT, checked by bsdsync_fast_start). x86 keeps PREEMPT_NEED_RESCHED
 * inverted in the count, so the decrement reaching zero means "enabled, and a reschedule is
 * pending": then bsdsync_preempt_resched() lets the kernel's own enable path act on it (a
 * preemption under full preemption; an expedited grace period waiting for this CPU is told
 * there too).
 */
void bsdsync_preempt_resched(void);
static inline void bsdsync_preempt_disable_fast(void)
{
	__asm__ __volatile__("incl %%gs:" BSDSYNC_PCPU_PREEMPT "(%%rip)" : : : "memory");
}
/* The decrement alone: nonzero when the caller must call bsdsync_preempt_resched() (which
 * lets a fast path end in a tail call). */
static inline int bsdsync_preempt_enable_fast_test(void)
{
	unsigned char zero;

	__asm__ __volatile__("decl %%gs:" BSDSYNC_PCPU_PREEMPT "(%%rip)"
			     : "=@ccz"(zero)
			     :
			     : "memory");
	return __builtin_expect(zero, 0);
}
static inline void bsdsync_preempt_enable_fast(void)
{
	if (bsdsync_preempt_enable_fast_test())
		bsdsync_preempt_resched();
}
unsigned long bsdsync_irq_save(void);
void bsdsync_irq_restore(unsigned long flags);

/*
 * The raw operations the core's spin sections are built from (module/core/spin.h: the
 * per-CPU nesting of spinlock_enter/spinlock_exit lives there). Interrupts off with
 * pushf/cli and back on with sti, the preempt count changed with a %gs-relative inc/dec:
 * what Linux's own inlines compile to, and used only when bsdsync_irq_inline says that is what
 * the kernel itself does: not under Xen PV (paravirt interrupt ops), nor where Linux traces
 * interrupt and preemption changes (lockdep's TRACE_IRQFLAGS, DEBUG_PREEMPT, the preempt
 * tracers); there the core calls bsdsync_irq_save() and friends instead. platform.c checks
 * the inline operations against the kernel's at load (bsdsync_fast_start).
 */
extern int bsdsync_irq_inline;
/* Interrupts off, then one more preempt count; returns the interrupt state from before. */
static inline __attribute__((always_inline)) unsigned long bsdsync_irq_save_preempt_off_fast(void)
{
	unsigned long flags;

	__asm__ __volatile__("pushfq; popq %0; cli; incl %%gs:" BSDSYNC_PCPU_PREEMPT "(%%rip)"
			     : "=r"(flags) : : "memory");
	return flags;
}
/* The bit of an interrupt state (bsdsync_irq_save's or the above's) set when interrupts
 * were enabled (X86_EFLAGS_IF, checked in platform.c). */
#define BSDSYNC_IRQ_FLAGS_ENABLED 0x200UL
/* Interrupts on, inline (sti). */
static inline __attribute__((always_inline)) void bsdsync_irq_enable_fast(void)
{
	__asm__ __volatile__("sti" : : : "memory");
}
/* Are interrupts off on this CPU? */
int bsdsync_irqs_disabled(void);
/* The context the caller will be in once its interrupt state is `flags` (as saved by
 * bsdsync_irq_save or the above) and its preempt count is `preempt_less` lower. */
enum bsdsync_context bsdsync_context_restoring(unsigned long flags, int preempt_less);

/*
 * BSDSYNC_CPU_STATE_BYTES of zeroed storage per CPU, owned by the core (its spin/critical
 * record, module/core/spin.h), reached inline: bsdsync_cpu_state_this() finds this CPU's copy
 * with one %gs-relative load (its address, stored in the area at load), and
 * bsdsync_cpu_state_read_int() reads an int at a constant offset in it with one %gs-relative
 * instruction (safe against migration). platform.c defines the per-CPU variable and checks
 * the layout (`state` at offset 8).
 */
#define BSDSYNC_CPU_STATE_BYTES 128
struct bsdsync_td_record;
struct bsdsync_cpu_area {
	void *state_addr;		/* this CPU's `state` */
	unsigned long long state[BSDSYNC_CPU_STATE_BYTES / 8];
	/* The thread record last found on this CPU: bsdsync_td_find_current()'s cache (never
	 * NULL: &bsdsync_td_none when empty). */
	struct bsdsync_td_record *last_td;
};
/* This CPU's state. Only meaningful while the caller cannot migrate (interrupts off);
 * volatile, so that a read is never reused across an enable. The per-CPU variable
 * (platform.c) is named in the asm: its first word is `state_addr`. */
static inline void *bsdsync_cpu_state_this(void)
{
	void *state;

	__asm__ __volatile__("movq %%gs:bsdsync_cpu_area(%%rip), %0" : "=r"(state));
	return state;
}
/* The int at byte `offset` (a constant) of this CPU's state, in one instruction. */
#define bsdsync_cpu_state_read_int(offset)                                                     \
	({                                                                                     \
		int v__;                                                                       \
		__asm__ __volatile__("movl %%gs:bsdsync_cpu_area+8+%c1(%%rip), %0"            \
				     : "=r"(v__) : "i"(offset));                               \
		v__;                                                                           \
	})

/* ---- spinning on an owner -------------------------------------------------------------- */
/*
 * Adaptive spinning support: spin while (*watch & mask) == expect and the task `owner` (a
 * struct task_struct pointer, as a lock word holds it) runs on a CPU, and, if deadline_ns is
 * not 0, until bsdsync_spin_clock_ns() reaches deadline_ns. Returns 1 if *watch changed
 * (worth looking at the lock again), 0 if the owner is not running, the caller should
 * reschedule or the deadline passed: block instead. The owner task is only dereferenced
 * inside an RCU read-side section, so an owner that exits meanwhile is never touched after
 * it is freed. The core's adaptive_spin() (core/adaptive.h) watches either the lock word
 * itself (expect = owner) or its spinner gate; a personality's own waiter may call it too
 * (deadline 0: none). Each pass that found the word unchanged
 * adds one to *spins (relaxed: the spinning thread is its only writer; lock profiling's
 * count, core/lock_profile.h SpinCount, which a test may read while it grows).
 */
int bsdsync_spin_while_owner_runs(const volatile unsigned long *watch, unsigned long expect,
				  unsigned long mask, unsigned long owner, unsigned long *spins,
				  unsigned long long deadline_ns);
/* The clock of spin deadlines: nanoseconds, cheap (Linux's local_clock(): the CPU's
 * scheduler clock; CPUs agree to well within a tick, enough for a bound in microseconds that
 * may be read on another CPU than it was set on). Any context. */
unsigned long long bsdsync_spin_clock_ns(void);
/*
 * After bsdsync_spin_while_owner_runs returned 0: is the task `owner` about to run, on a run
 * queue or being woken but not on a CPU (a waiter just handed a lock and woken, or a task
 * preempted), on another CPU than the caller's (on the caller's, it runs only once the caller
 * leaves), and need the caller not reschedule? 1 then, or if *watch no longer equals
 * `owner` (look at the lock again); 0 if the owner sleeps or the caller should reschedule.
 * The task is only looked at while *watch still names it, inside an RCU read-side section.
 * For a waiter that is next in a hand-off queue: it keeps spinning while the lock is on its
 * way to a running owner.
 */
int bsdsync_owner_about_to_run(const volatile unsigned long *watch, unsigned long owner);
/* One iteration of a busy-wait loop (the `pause` instruction). */
static inline void bsdsync_cpu_relax(void) { __asm__ __volatile__("pause" ::: "memory"); }

/* ---- blocking and waking --------------------------------------------------------------- */
enum bsdsync_block_state {
	BSDSYNC_BLOCK_LOCK = 0,		/* waiting for a lock: uninterruptible, counts as load */
	BSDSYNC_BLOCK_IDLE,		/* long sleep without PCATCH: uninterruptible, no load,
					   no hung-task warnings (prior-art.md, SPL bug 5) */
	BSDSYNC_BLOCK_INTERRUPTIBLE,	/* PCATCH: a signal ends the wait */
};
enum bsdsync_block_result {
	BSDSYNC_WOKEN = 0,
	BSDSYNC_TIMED_OUT,
	BSDSYNC_SIGNALLED,		/* a signal is pending (interruptible waits only) */
	BSDSYNC_SIGNALLED_FATAL,	/* a fatal signal (SIGKILL) is pending */
};
/*
 * Block the current thread until *woken becomes nonzero (read with acquire ordering, pairing
 * with the waker's release store), a signal arrives (BSDSYNC_BLOCK_INTERRUPTIBLE), or the
 * monotonic clock passes deadline_ns (0 = no deadline; slack_ns = allowed lateness, never
 * earliness). Spurious wakeups are absorbed here.
 */
enum bsdsync_block_result bsdsync_block(const int *woken, enum bsdsync_block_state state,
					unsigned long long deadline_ns,
					unsigned long long slack_ns);
/* Wake a blocked thread. Safe against the thread returning from bsdsync_block and exiting at
 * any moment after the caller's release store to its `woken` flag: the caller takes a task
 * reference with bsdsync_thread_hold() before that store and drops it afterwards. */
void bsdsync_thread_hold(struct thread *td);
void bsdsync_thread_release(struct thread *td);
void bsdsync_wake(struct thread *td);
/* Give up the CPU if a reschedule is due (only where sleeping is allowed). */
void bsdsync_cond_resched(void);

/* ---- scheduling attributes (priority propagation, core/prio.cpp) ------------------ */
/*
 * A task's normal scheduling attributes: what sched_setattr(2) sets, not the effective
 * priority Linux's own rt_mutex PI may add. Policies use Linux's numbers (checked in
 * sched.c).
 */
enum {
	BSDSYNC_SCHED_NORMAL = 0,
	BSDSYNC_SCHED_FIFO = 1,
	BSDSYNC_SCHED_RR = 2,
	BSDSYNC_SCHED_BATCH = 3,
	BSDSYNC_SCHED_IDLE = 5,
	BSDSYNC_SCHED_DEADLINE = 6,
};
struct bsdsync_sched_attr {
	int policy;
	int rt_priority;	/* 1..99 for FIFO/RR, else 0 */
	int nice;		/* -20..19 for NORMAL/BATCH/IDLE, else 0 */
	int reset_on_fork;
};
/* Read td's attributes (plain reads of fields the scheduler updates under its own locks:
 * a snapshot). Any context. */
void bsdsync_sched_get(const struct thread *td, struct bsdsync_sched_attr *a);
/* Set them with sched_setattr_nocheck(): may sleep, so only where sleeping is allowed (the
 * caller checks bsdsync_current_context() == BSDSYNC_CTX_THREAD). Returns 0 or -errno. */
int bsdsync_sched_set(struct thread *td, const struct bsdsync_sched_attr *a);
/* The task `owner(lock)` names (a lock word's owner bits, read by the callback), with a
 * task reference (drop it with bsdsync_thread_release), or NULL. The callback runs in an RCU
 * read-side section, so an owner seen in the word cannot be freed before the reference is
 * taken: a task holding a lock has not passed exit, and its task struct is freed only an RCU
 * grace period after it is reaped. Any context; does not sleep. */
struct thread *bsdsync_thread_hold_owner(struct thread *(*owner)(const void *lock),
					 const void *lock);
/* Has td begun to exit (PF_EXITING)? Set before the thread-exit hook runs. */
int bsdsync_thread_exiting(const struct thread *td);
/* Run the core's bsdsync_prio_deferred() soon in a high-priority worker (any context). */
void bsdsync_prio_kick(void);
void bsdsync_prio_deferred(void);		/* implemented by the core */
/* KUnit only (core/prio.cpp; exported by module/exports/bsdsync.c when the kernel has
 * KUnit): null, or called by a thread about to lend its priority (stage 0) and after it lent
 * (stage 1). */
extern void (*bsdsync_prio_lend_hook)(const void *lock, int stage);
/* KUnit only (core/prio.cpp; exported likewise): null, or called in each round of applying a
 * record between computing and setting the attributes (`last`: its last round); nonzero: count it as a change of the
 * record meanwhile. */
extern int (*bsdsync_prio_apply_hook)(int round, int last);
/* KUnit only (core/block.cpp; exported by module/exports/bsdsync.c when the kernel has
 * KUnit): register a block hook of the core's blocking tail (core/block.h struct
 * bsdsync_block_hook, which a C test declares with the same layout) / unregister it.
 * Register returns 0, or -1 if the table is full. */
struct bsdsync_block_hook;
int bsdsync_block_hook_register(const struct bsdsync_block_hook *hook);
void bsdsync_block_hook_unregister(const struct bsdsync_block_hook *hook);
/* Wait for a kicked worker to finish (module unload). */
void bsdsync_prio_flush(void);

/* ---- time ------------------------------------------------------------------------------ */
unsigned long long bsdsync_uptime_ns(void);	/* CLOCK_MONOTONIC */
/* The tick count (jiffies: bsdsync_hz per second, wraps), inline: one load through a pointer
 * platform.c sets. */
extern const volatile unsigned long *const bsdsync_jiffies;
static inline unsigned long bsdsync_ticks(void) { return *bsdsync_jiffies; }
extern const int bsdsync_hz;			/* the kernel's HZ */
/* The same as a constant expression, for the constants of a personality (its hz, its tick):
 * BSDSYNC_HZ comes from Kbuild (CONFIG_HZ); platform.c checks it against HZ. */
#ifndef BSDSYNC_HZ
#error "Kbuild passes BSDSYNC_HZ (the kernel's CONFIG_HZ)"
#endif

/* ---- diagnostics ----------------------------------------------------------------------- */
/* printk at KERN_ERR with the "bsdsync: " prefix, and a stack dump of the caller. */
void bsdsync_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bsdsync_dump_stack(void);
/* The caller's stack: up to max return addresses, newest first, `skip` frames above the
 * caller's left out; how many were saved (0 without CONFIG_STACKTRACE). Any context. */
unsigned int bsdsync_stack_save(unsigned long *pc, unsigned int max, unsigned int skip);
/* Print a saved stack, one "bsdsync:  symbol+off/size" line per frame (KERN_ERR). */
void bsdsync_stack_print(const unsigned long *pc, unsigned int n);
/* Stop the machine (panic) with "bsdsync: <why>": only where a parameter asked for it
 * (witness_action=panic). Not declared noreturn (see bsdsync_kthread_exit). */
void bsdsync_panic(const char *why);
int bsdsync_snprintf(char *buf, unsigned long size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- memory ---------------------------------------------------------------------------- */
void *bsdsync_alloc(unsigned long size, int may_sleep);	/* zeroed; NULL on failure */
void bsdsync_free(void *p);
/* kmalloc for malloc(9) (kernel_services.c): one attempt, no failure warning; GFP_KERNEL if
 * may_sleep else GFP_ATOMIC. krealloc keeps the old block on failure. bsdsync_alloc_backoff
 * sleeps a tick between M_WAITOK attempts. */
void *bsdsync_kmalloc(unsigned long size, int may_sleep, int zero);
void *bsdsync_krealloc(void *p, unsigned long size, int may_sleep);
void bsdsync_kfree(const void *p);
void bsdsync_kfree_sensitive(const void *p);
unsigned long bsdsync_kmalloc_max(void);
void bsdsync_alloc_backoff(void);
void bsdsync_kmalloc_fail_next(int count);	/* test hook: fail the next `count` attempts */

/* printf(9)'s output: KERN_INFO, or KERN_CONT after a text without a trailing newline. */
void bsdsync_printf_text(const char *text, unsigned long len);
/* raw_smp_processor_id() */
int bsdsync_cpu_id(void);

/* ---- per-CPU memory and grace periods ------------------------------------------------ */
/*
 * A per-CPU area of `size` bytes (zeroed on every CPU), as an opaque Linux __percpu cookie;
 * NULL on failure. may_sleep = 0 allocates without sleeping (may fail more often).
 */
void *bsdsync_percpu_alloc(unsigned long size, int may_sleep);
void bsdsync_percpu_free(void *pcpu);
/*
 * A per-CPU area of BSDSYNC_PERCPU_ZERO_SIZE bytes that is zero on every CPU and stays zero:
 * nobody may write it (nor free it). For a lock whose own area could not be allocated, or is
 * gone: its per-CPU fields read as zero on every CPU, so a reader's fast path needs no null
 * check.
 */
#define BSDSYNC_PERCPU_ZERO_SIZE 64
extern void *const bsdsync_percpu_zero_area;
/* This CPU's copy. Only meaningful while the caller cannot migrate (preemption or
 * interrupts disabled). */
void *bsdsync_percpu_this(void *pcpu);
/*
 * This CPU's copy of one field of a per-CPU area, inline, with one %gs-relative instruction:
 * `field` is the area's cookie plus the field's offset (a Linux __percpu address is an
 * offset from each CPU's %gs base, as this_cpu_read()/this_cpu_add() use it; checked by
 * bsdsync_fast_start). The caller cannot migrate (preemption or interrupts off). The asm
 * is a compiler barrier; x86 orders the load before later accesses (acquire) and the add
 * after earlier ones (release).
 */
static inline int bsdsync_this_cpu_read_int(const void *field)
{
	int v;

	__asm__ __volatile__("movl %%gs:(%1), %0" : "=r"(v) : "r"(field) : "memory");
	return v;
}
static inline void bsdsync_this_cpu_add_long(void *field, long v)
{
	__asm__ __volatile__("addq %1, %%gs:(%0)" : : "r"(field), "er"(v) : "memory");
}
/* CPU `cpu`'s copy. */
void *bsdsync_percpu_of(void *pcpu, int cpu);
/* The first possible CPU after `cpu` (pass -1 to start), or -1 after the last: iterates
 * every CPU that can ever run, online or not. */
int bsdsync_cpu_next_possible(int cpu);
/*
 * Wait until every CPU has passed through a quiescent state: every section run with
 * preemption (or interrupts) disabled that began before the call has ended, and its
 * memory accesses are ordered before the return; every such section that begins later
 * sees the stores made before the call (an expedited RCU grace period: IPIs to the CPUs
 * that are not idle; sleeps, so only in thread context).
 */
void bsdsync_synchronize_cpus(void);

/* ---- the lock-event switch ------------------------------------------------------------ */
/*
 * bsdsync_lock_events_on(): nonzero while something consumes lock events (a checker, a
 * test: core/lock_events.h). Every lock operation reads it, so it must cost nothing when off:
 * where the kernel has jump labels (x86-64 with CONFIG_JUMP_LABEL: every kernel bsdsync
 * builds for) it is one 5-byte no-op instruction, which the kernel's static-key machinery
 * patches into a jump while the switch is on (the entry below is in the kernel's
 * __jump_table format: code and target as 32-bit offsets, then the key's offset with the
 * default branch in bit 0, here 0: off, likely not taken). Without jump labels, one load of
 * a flag. bsdsync_lock_events_switch() turns it on or off; it may sleep (thread context only,
 * serialised by the caller) and returns with every CPU's code patched.
 */
#ifndef BSDSYNC_PLATFORM_SWITCH_IMPL
/* A struct static_key_false (module/platform/switch.c), in every configuration: exported for
 * the inline lock paths of drivers built for production (<sys/mutex.h>). */
extern char bsdsync_lock_events_key[];
#endif
#if BSDSYNC_JUMP_LABEL
static inline __attribute__((always_inline)) int bsdsync_lock_events_on(void)
{
	__asm__ goto("1: .byte 0x0f,0x1f,0x44,0x00,0x00\n\t"
		     ".pushsection __jump_table, \"aw\"\n\t"
		     ".balign 8\n\t"
		     ".long 1b - ., %l[on] - .\n\t"
		     ".quad %c0 - .\n\t"
		     ".popsection"
		     : : "i"(&bsdsync_lock_events_key) : : on);
	return 0;
on:
	return 1;
}
#else
extern int bsdsync_lock_events_flag;
static inline int bsdsync_lock_events_on(void)
{
	return __builtin_expect(__atomic_load_n(&bsdsync_lock_events_flag, __ATOMIC_RELAXED), 0);
}
#endif
void bsdsync_lock_events_switch(int on);
/* One sleeping lock for the core's configuration changes (attaching lock-event sinks...):
 * thread context only, never taken by a lock operation. */
void bsdsync_config_lock(void);
void bsdsync_config_unlock(void);

/* ---- per-thread state ------------------------------------------------------------------ */
/*
 * BSDSYNC_TD_STATE_BYTES of zeroed storage per thread, owned by the core (struct
 * bsdsync::ThreadState, module/core/thread.h). Only the owning thread touches it, except
 * the priority-propagation part (core/prio.h), which has its own lock. The core finds its
 * own with bsdsync_td_find() and creates it with bsdsync_td_create(); interrupt context
 * (hard, soft, NMI) has no thread of its own and gets none. When a thread exits, the
 * platform calls the core's bsdsync_td_exiting() with its state, in the exiting thread (the
 * core reports the locks it still holds); the exit path goes on using the record (a driver's
 * release() from the final fput may lock). When the task struct is freed, long after its last
 * instruction, the platform calls bsdsync_td_released() (the core zeroes the state), then
 * recycles the record (module/platform/thread.c).
 */
#define BSDSYNC_TD_STATE_BYTES 2048
#define BSDSYNC_TD_BITS 10
struct bsdsync_td_record {
	struct thread *task;			/* owner, or NULL when free for reuse */
	struct bsdsync_td_record *next;		/* chain; immutable once published */
	/* The thread's scheduler switch hook (switch_hook.c: a struct preempt_notifier and
	 * whether it is registered), platform-private. Only the owning thread changes it. */
	unsigned long long switch_hook[4];
	unsigned long long state[BSDSYNC_TD_STATE_BYTES / 8];
};
extern struct bsdsync_td_record *bsdsync_td_table[1 << BSDSYNC_TD_BITS];

static inline unsigned int bsdsync_td_hash(const struct thread *t)
{
	return (unsigned int)(((unsigned long)t * 0x61C8864680B583EBull) >> (64 - BSDSYNC_TD_BITS));
}
/* The state of thread `t`, or NULL. Lock-free: chains only grow while the module is loaded.
 * For another thread than the caller, the record stays valid memory while the module is
 * loaded but is recycled when t's task struct is freed (t exited long before): the caller
 * holds a reference of t and checks bsdsync_thread_exiting(t) under the state's own lock
 * (core/prio.cpp). */
static inline void *bsdsync_td_find(const struct thread *t)
{
	struct bsdsync_td_record *r;

	for (r = __atomic_load_n(&bsdsync_td_table[bsdsync_td_hash(t)], __ATOMIC_ACQUIRE); r;
	     r = r->next)
		if (__atomic_load_n(&r->task, __ATOMIC_RELAXED) == t)
			return r->state;
	return 0;
}

/*
 * The calling thread's state, or NULL: bsdsync_td_find(me) for me == the caller, through a
 * per-CPU cache of the record last found on this CPU (bsdsync_cpu_area.last_td): when it
 * holds the caller's record, one %gs-relative load and one compare instead of the hash walk.
 * The check makes any value the slot holds safe: a record belongs to the caller iff its
 * task is the caller, whichever CPU's slot it came from (the read needs no protection
 * against migration: it is one instruction, and a stale value only misses); the caller's
 * own record cannot be recycled under it (only when its task struct is freed). A record
 * recycled for another task simply stops matching. Misses (the first lock after each
 * switch to another thread that locks) walk the table and refill the slot
 * (bsdsync_td_find_current_slow). The slots are reset before records are freed at unload.
 */
extern struct bsdsync_td_record bsdsync_td_none;	/* the empty slot's record: task NULL */
void *bsdsync_td_find_current_slow(const struct thread *me);
/* The cache alone: the caller's state if the slot holds it, else NULL (also when the
 * caller has a record the slot does not hold: the caller then takes an out-of-line path
 * that looks it up, so that its fast path makes no call and needs no frame). */
static inline void *bsdsync_td_find_current_cached(const struct thread *me)
{
	struct bsdsync_td_record *r;

	__asm__("movq %%gs:bsdsync_cpu_area+%c1(%%rip), %0"
		: "=r"(r) : "i"(__builtin_offsetof(struct bsdsync_cpu_area, last_td)));
	if (__builtin_expect(__atomic_load_n(&r->task, __ATOMIC_RELAXED) == me, 1)) {
		void *state = r->state;

		if (!state)
			__builtin_unreachable();	/* so callers' null tests fold away */
		return state;
	}
	return 0;
}
static inline void *bsdsync_td_find_current(const struct thread *me)
{
	void *state = bsdsync_td_find_current_cached(me);

	return __builtin_expect(state != 0, 1) ? state : bsdsync_td_find_current_slow(me);
}
/* Create (or recycle) the current thread's record: the slow path of a first lookup. NULL in
 * interrupt context or if memory ran out. */
void *bsdsync_td_create(void);
/* Exported to drivers and tests (declared for them in include/bsdsync/report.h). */
int bsdsync_thread_has_record(const struct thread *td);
/* Implemented by the core. The thread is exiting (called in the thread, which may still lock
 * afterwards, in the rest of its exit path): the core reports the locks it still holds. */
void bsdsync_td_exiting(void *state);
/* The thread's task struct is being freed (called from an RCU callback, any thread): the core
 * zeroes its state (cross-thread fields under their own lock) before the platform releases
 * the record for reuse. */
void bsdsync_td_released(void *state);
int bsdsync_td_start(void);
void bsdsync_td_stop(void);

/* ---- per-thread scheduler switch hooks (module/platform/switch_hook.c) -------------------- */
/*
 * A hook on a thread's own context switches, for state that must follow the thread's
 * blocking rather than its code (locks a thread holds only while it runs, released when it
 * blocks: the shared docs' notes on tokens). Over Linux's preempt notifiers: one set of
 * callbacks (start), and a per-thread registration that costs the scheduler nothing for
 * threads not registered, so a thread registers only while it needs the hook. `state` in every callback is the thread's
 * record state (bsdsync_td_find), the same pointer the thread registered with.
 *
 *  - switch_out(state, blocking): the thread is switched out; `blocking` is nonzero when it
 *    blocks (it left the runqueue and waits for a wake-up: a sleep anywhere in Linux), zero
 *    when it was preempted or yields and stays runnable. Runs with the runqueue lock held
 *    and interrupts off: atomics only, no wake-up, no lock a wake-up path may take; work
 *    that needs those goes through bsdsync_switch_defer().
 *  - switch_in(state): the thread runs again; interrupts on, preemption off; may wake other
 *    threads (bsdsync_switch_wake) but must not block; it may make the thread wait instead of
 *    running (bsdsync_switch_in_wait).
 *  - deferred(): after bsdsync_switch_defer(), soon, on that CPU, in hard interrupt context.
 */
struct bsdsync_switch_ops {
	void (*switch_out)(void *state, int blocking);
	void (*switch_in)(void *state);
	void (*deferred)(void);
	/* The running thread's cookie: while a thread with a registered hook runs, this CPU's
	 * bsdsync_switch_cookie (exported, per CPU) is its state + cookie_offset (the part
	 * of its record a driver's inline lock path reads: set at registration and at every
	 * switch-in, cleared at every switch-out and unregistration, before the callbacks);
	 * NULL while any other thread runs. */
	long cookie_offset;
};
/* At load (before any registration) / unload (after the last unregistration; waits for
 * deferred work in flight). start returns 0 or a negative errno. Thread context. */
int bsdsync_switch_hooks_start(const struct bsdsync_switch_ops *ops);
void bsdsync_switch_hooks_stop(void);
/* Register / unregister the calling thread's hook; `state` is its own record's. Never from
 * inside a callback; thread context, or the thread-exit hook (core/thread.h). A registered
 * hook holds a reference on the module (rmmod refuses meanwhile). Idempotent. */
void bsdsync_switch_hook_register(void *state);
void bsdsync_switch_hook_unregister(void *state);
int bsdsync_switch_hook_registered(const void *state);
/* From inside the thread's own switch_out only: unlink its hook (the scheduler's walk goes
 * on) and drop its module reference soon after (irq_work). Idempotent. */
void bsdsync_switch_hook_detach(void *state);
/* Run ops->deferred() soon on this CPU (any context, switch_out included). */
void bsdsync_switch_defer(void);
/*
 * The private wait: a state no other wake-up in Linux uses (TASK_NOLOAD alone: not
 * interruptible, not killable, not counted as load, ignored by the hung-task detector), left
 * only through bsdsync_switch_wake(). bsdsync_switch_wait() blocks the caller (thread
 * context) until *word == value (acquire; the waker stores it with release before its
 * wake). bsdsync_switch_in_wait(), from switch_in, makes the thread that is switching in
 * block there instead of returning to its code (it sets the state and a reschedule, and
 * returns with interrupts OFF so nothing can preempt it before the scheduler dequeues it);
 * returns 0 and does nothing if *word == value already.
 */
void bsdsync_switch_wait(const int *word, int value);
int bsdsync_switch_in_wait(const int *word, int value);
/* Wake a thread in the private wait (a no-op for a thread in any other state). */
void bsdsync_switch_wake(struct thread *td);
/* Platform-internal (thread.c): a record whose task is being freed drops its hook. */
struct bsdsync_td_record;
void bsdsync_switch_hook_forget(struct bsdsync_td_record *r);

/* ---- module load: the personalities ------------------------------------------------------ */
/*
 * A personality (a BSD whose locks bsdsync provides) as the platform's module init/exit sees
 * it. The platform knows none by name: it walks bsdsync_personalities[] (module/
 * personalities.c, the one place that lists them), calls each init in order once the
 * kernel services and thread records are up, and at unload (or when a later init fails) each
 * exit in reverse order. The load message lists each entry as "<name> personality: <provides>".
 */
struct bsdsync_personality {
	const char *name;		/* the BSD's name, as printed */
	const char *provides;		/* what it offers, as printed: "mtx, sx, ..." */
	int (*init)(void);		/* 0, or a negative errno: the module load fails with it */
	void (*exit)(void);		/* undoes init; runs only after init returned 0 */
};
/* Linux's errno values a personality's init may return (checked in module.c). */
#define BSDSYNC_ERR_NOMEM (-12)
/* The personalities in init order, ended by NULL (module/personalities.c). */
extern const struct bsdsync_personality *const bsdsync_personalities[];

/* ---- kernel threads (module/platform/kthread.c) ---------------------------------------- */
/* Start a kernel thread named `name` running fn(arg); it exits when fn returns, after calling
 * done() if not null (in the thread, its last call of code outside platform: a personality
 * announces the exit there). Returns 0 or a positive errno. *tdp (if not null) receives its
 * handle; a joinable thread must be joined with bsdsync_kthread_join() once fn has returned
 * or is about to (thread context only). */
int bsdsync_kthread_spawn(void (*fn)(void *), void *arg, void (*done)(void), const char *name,
			  int joinable, struct thread **tdp);
void bsdsync_kthread_join(struct thread *td);
/* Is the caller a kernel thread? Only kernel threads may call bsdsync_kthread_exit(). */
int bsdsync_current_is_kthread(void);
/* Never returns, but is not declared noreturn: objtool knows only the kernel's own noreturn
 * functions, and would take the caller's end for a fall-through into the next function. */
void bsdsync_kthread_exit(void);
int bsdsync_vsnprintf(char *buf, unsigned long size, const char *fmt, __builtin_va_list ap)
	__attribute__((format(printf, 3, 0)));

/* ---- witness (core/witness.h) ------------------------------------------------------- */
/* The module parameter `witness` (module.c): check lock order from load on. */
int bsdsync_param_witness(void);
/* The core's side: at load (after the personalities: reads the parameter) and unload (before
 * them); the debugfs files' text (snprintf-like: the length needed) and reset. Thread
 * context. */
void bsdsync_witness_start(void);
void bsdsync_witness_stop(void);
unsigned long bsdsync_witness_dot(char *buf, unsigned long len);
unsigned long bsdsync_witness_reversals(char *buf, unsigned long len);
void bsdsync_witness_reset(void);
/* The module parameters `witness_stacks` (keep stacks with orders and reversals) and
 * `witness_action` (1: panic after a witness report, 0: report and go on). */
int bsdsync_param_witness_stacks(void);
int bsdsync_param_witness_panic(void);
/* debugfs bsdsync/witness/held (debugfs.c walks the threads): the holds recorded in one
 * thread's record `state` (this platform's per-thread storage), oldest first, up to max: a
 * racy snapshot (relaxed loads); `type` null unless registered, `file` not read (copy it
 * with a fault-tolerant read). */
struct bsdsync_held_lock;
int bsdsync_witness_held_of(const void *state, struct bsdsync_held_lock *out, int max);
/* The held file's text (debugfs.c: every thread with a record), as snprintf. Thread context. */
unsigned long bsdsync_witness_held_text(char *buf, unsigned long len);
/* The module parameter `spin_warn_ms` (module.c), in ns: how long a spin-lock waiter spins
 * before it reports the holder (U64_MAX: never). Any context. */
unsigned long long bsdsync_param_spin_warn_ns(void);
/* KUnit only (module.c; exported by module/exports/bsdsync.c when the kernel has KUnit):
 * set spin_warn_ms, returning the old value. */
unsigned int bsdsync_test_spin_warn_ms(unsigned int ms);
/* ---- Linux lockdep (lockdep.c) ------------------------------------------------------ */
/* Give every bsdsync lock to lockdep (the `lockdep` parameter; kernels with CONFIG_LOCKDEP):
 * attach the sink at load before the personalities start, detach it at unload after they
 * stopped. Thread context. */
void bsdsync_lockdep_start(void);
void bsdsync_lockdep_stop(void);
/* The exiting thread (current, at sched_process_exit, after bsdsync_td_exiting reported what
 * it still holds): lockdep forgets its bsdsync holds, so that its own exit check does not
 * report them a second time. */
void bsdsync_lockdep_exiting(void);
/* The core's side (core/lock_events.cpp): the lock the calling thread's acquisition in
 * progress releases (a lockdep LK_INTERLOCK-style interlock, marked in its held-locks
 * stack), and its type; null if none. Preemption off. */
struct bsdsync_lock_type;
const void *bsdsync_held_interlock(const struct bsdsync_lock_type **type);
/* ---- lock profiling (core/lock_profile.h) --------------------------------------------- */
/* The module parameter `lock_prof` (module.c): profile from load on. */
int bsdsync_param_lock_prof(void);
/* Attach the profiler at load if the parameter says so / detach it at unload; turn it on or
 * off (returns whether it was on; thread context, serialised by the caller: debugfs.c's
 * mutex); whether it is on; the stats table (snprintf-like: the length needed); reset. */
void bsdsync_lock_prof_start(void);
void bsdsync_lock_prof_stop(void);
int bsdsync_lock_prof_enable(int on);
int bsdsync_lock_prof_enabled(void);
unsigned long bsdsync_lock_prof_stats(char *buf, unsigned long len);
void bsdsync_lock_prof_reset(void);
/* /sys/kernel/debug/bsdsync/ (debugfs.c): the witness and lock_prof files. At load after the
 * checkers, removed at unload before them. */
void bsdsync_debugfs_start(void);
void bsdsync_debugfs_stop(void);

/* ---- module load hooks ------------------------------------------------------------- */
/* Start/stop running SYSINIT/SYSUNINIT records of modules as they load and unload. */
int bsdsync_sysinit_start(void);
void bsdsync_sysinit_stop(void);

BSDSYNC_END_DECLS

#endif
