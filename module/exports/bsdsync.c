// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The exported C ABI that belongs to no personality: diagnostics and the KUnit test hooks.
 *
 * module/exports/ holds only export lists, one file per personality: BSDSYNC_EXPORT lines
 * and the headers that declare the exported names (include/bsdsync, so MODVERSIONS computes
 * each symbol's version from the prototype a driver compiles against). These files are C
 * outside module/platform and include no Linux header: they export through
 * platform/export.h's BSDSYNC_EXPORT (scripts/check-layers.py).
 */
#include "platform/export.h"

#include <bsdsync/report.h>
#include <bsdsync/lock_events.h>
#include <bsdsync/sysinit.h>
#include <bsdsync/testing.h>
#include "platform/platform.h"

/* Diagnostics */
BSDSYNC_EXPORT(bsdsync_report_count);
BSDSYNC_EXPORT(bsdsync_report_total);
BSDSYNC_EXPORT(bsdsync_curthread);
BSDSYNC_EXPORT(bsdsync_thread_has_record);
/* Lock events (checkers, profilers, tests) */
BSDSYNC_EXPORT(bsdsync_lock_events_attach);
BSDSYNC_EXPORT(bsdsync_lock_events_detach);
/* The lock-event switch, tested by the inline lock paths of drivers built for production
 * (<sys/mutex.h>): they take the module's path while a sink is attached. */
BSDSYNC_EXPORT(bsdsync_lock_events_key);
/* The per-CPU area the inline paths of those drivers read and write %gs-relative
 * (<bsdsync/inline_abi.h>: the spin depth and saved interrupt state, the thread-record
 * cache): a per-CPU variable, exported as the kernel exports its own (EXPORT_PER_CPU_SYMBOL
 * is EXPORT_SYMBOL); its type is platform's, only its name is used here. */
extern char bsdsync_cpu_area[];
BSDSYNC_EXPORT(bsdsync_cpu_area);
BSDSYNC_EXPORT(bsdsync_held_locks);
#if IS_ENABLED(CONFIG_KUNIT)
/* Test hooks (platform.h): only for the KUnit suites. */
BSDSYNC_EXPORT(bsdsync_prio_lend_hook);
BSDSYNC_EXPORT(bsdsync_prio_apply_hook);
BSDSYNC_EXPORT(bsdsync_test_spin_warn_ms);
BSDSYNC_EXPORT(bsdsync_block_hook_register);
BSDSYNC_EXPORT(bsdsync_block_hook_unregister);
BSDSYNC_EXPORT(bsdsync_test_lock_type_register);
BSDSYNC_EXPORT(bsdsync_test_lock_type_unregister);
BSDSYNC_EXPORT(bsdsync_test_lock_type_by_id);
BSDSYNC_EXPORT(bsdsync_test_hold);
BSDSYNC_EXPORT(bsdsync_test_release);
BSDSYNC_EXPORT(bsdsync_test_check_may_sleep);
BSDSYNC_EXPORT(bsdsync_test_acquiring);
BSDSYNC_EXPORT(bsdsync_test_witness);
BSDSYNC_EXPORT(bsdsync_test_lockdep_quiet);
BSDSYNC_EXPORT(bsdsync_test_lockdep);
BSDSYNC_EXPORT(bsdsync_test_witness_dot);
BSDSYNC_EXPORT(bsdsync_test_witness_reversals);
BSDSYNC_EXPORT(bsdsync_test_witness_stacks);
BSDSYNC_EXPORT(bsdsync_test_witness_held);
BSDSYNC_EXPORT(bsdsync_test_lock_prof);
BSDSYNC_EXPORT(bsdsync_test_lock_prof_reset);
BSDSYNC_EXPORT(bsdsync_test_lock_prof_class);
BSDSYNC_EXPORT(bsdsync_test_lock_prof_stats);
BSDSYNC_EXPORT(bsdsync_test_lock_prof_spin_counter);
BSDSYNC_EXPORT(bsdsync_test_sleep);
BSDSYNC_EXPORT(bsdsync_test_wake_one);
BSDSYNC_EXPORT(bsdsync_test_wake_all);
BSDSYNC_EXPORT(bsdsync_test_waiters);
BSDSYNC_EXPORT(bsdsync_test_lock_acquire);
BSDSYNC_EXPORT(bsdsync_test_lock_release);
BSDSYNC_EXPORT(bsdsync_test_lock_waiters);
BSDSYNC_EXPORT(bsdsync_test_adaptive_spin);
BSDSYNC_EXPORT(bsdsync_test_spin_gate_claim);
BSDSYNC_EXPORT(bsdsync_test_spin_gate_leave);
BSDSYNC_EXPORT(bsdsync_test_spin_gate_head);
/* SYSINIT and module-event sequencing (include/bsdsync/sysinit.h), which the module notifier
 * runs; the module suite drives it on records of its own. */
BSDSYNC_EXPORT(bsdsync_sysinit_load);
BSDSYNC_EXPORT(bsdsync_sysinit_unload);
BSDSYNC_EXPORT(bsdsync_sysinit_shutdown);
#endif
