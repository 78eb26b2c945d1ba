// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The exported C ABI of the FreeBSD personality (module/freebsd), as declared in
 * the headers of include/bsdsync/freebsd (see module/exports/bsdsync.c for the rules of this
 * folder).
 */
#include "platform/export.h"

#include <bsdsync/freebsd/lock.h>
#include <bsdsync/freebsd/mutex.h>
#include <bsdsync/freebsd/rmlock.h>
#include <bsdsync/freebsd/sleep.h>
#include <bsdsync/freebsd/sema.h>
#include <bsdsync/freebsd/malloc.h>
#include <bsdsync/freebsd/systm.h>
#include <bsdsync/freebsd/sx.h>
#include <bsdsync/freebsd/rwlock.h>
#include <bsdsync/freebsd/lockmgr.h>
#include <bsdsync/freebsd/callout.h>
#include <bsdsync/freebsd/taskqueue.h>
#include <bsdsync/freebsd/kthread.h>

/* witness(4) for ported code (<sys/lock.h> WITNESS_*; WITNESS_WARN is with <sys/systm.h>) */
BSDSYNC_EXPORT(fbsd_witness_checkorder);
BSDSYNC_EXPORT(fbsd_witness_save);
BSDSYNC_EXPORT(fbsd_witness_restore);
BSDSYNC_EXPORT(fbsd_witness_file);
BSDSYNC_EXPORT(fbsd_witness_line);
/* mutex(9), mtx_pool(9), Giant, MTX_SYSINIT */
BSDSYNC_EXPORT(fbsd_mtx_sysinit);
BSDSYNC_EXPORT(fbsd_mtx_sysuninit);
BSDSYNC_EXPORT(fbsd_mtx_init);
BSDSYNC_EXPORT(fbsd_mtx_destroy);
BSDSYNC_EXPORT(fbsd_mtx_lock_flags);
BSDSYNC_EXPORT(fbsd_mtx_unlock_flags);
BSDSYNC_EXPORT(fbsd_mtx_trylock_flags);
BSDSYNC_EXPORT(fbsd_mtx_lock_spin_flags);
BSDSYNC_EXPORT(fbsd_mtx_unlock_spin_flags);
BSDSYNC_EXPORT(fbsd_mtx_lock_spin_hard);
BSDSYNC_EXPORT(fbsd_mtx_trylock_spin_flags);
BSDSYNC_EXPORT(fbsd_mtx_assert);
BSDSYNC_EXPORT(fbsd_mtx_owned);
BSDSYNC_EXPORT(fbsd_mtx_recursed);
BSDSYNC_EXPORT(fbsd_mtx_owner);
BSDSYNC_EXPORT(fbsd_mtx_spin_wait_unlocked);
BSDSYNC_EXPORT(fbsd_Giant);
BSDSYNC_EXPORT(fbsd_drop_giant);
BSDSYNC_EXPORT(fbsd_pickup_giant);
BSDSYNC_EXPORT(fbsd_mtx_pool_create);
BSDSYNC_EXPORT(fbsd_mtx_pool_destroy);
BSDSYNC_EXPORT(fbsd_mtx_pool_find);
BSDSYNC_EXPORT(fbsd_mtx_pool_alloc);
BSDSYNC_EXPORT(fbsd_mtxpool_sleep);

/* sx(9), SX_SYSINIT */
BSDSYNC_EXPORT(fbsd_sx_init_flags);
BSDSYNC_EXPORT(fbsd_sx_destroy);
BSDSYNC_EXPORT(fbsd_sx_xlock);
BSDSYNC_EXPORT(fbsd_sx_slock);
BSDSYNC_EXPORT(fbsd_sx_xlock_nosig);
BSDSYNC_EXPORT(fbsd_sx_slock_nosig);
BSDSYNC_EXPORT(fbsd_sx_try_xlock);
BSDSYNC_EXPORT(fbsd_sx_try_slock);
BSDSYNC_EXPORT(fbsd_sx_xunlock);
BSDSYNC_EXPORT(fbsd_sx_sunlock);
BSDSYNC_EXPORT(fbsd_sx_unlock);
BSDSYNC_EXPORT(fbsd_sx_try_upgrade);
BSDSYNC_EXPORT(fbsd_sx_downgrade);
BSDSYNC_EXPORT(fbsd_sx_xholder);
BSDSYNC_EXPORT(fbsd_sx_xlocked);
BSDSYNC_EXPORT(fbsd_sx_recursed);
BSDSYNC_EXPORT(fbsd_sx_assert);
BSDSYNC_EXPORT(fbsd_sx_sysinit);
BSDSYNC_EXPORT(fbsd_sx_sysuninit);

/* rwlock(9), RW_SYSINIT */
BSDSYNC_EXPORT(fbsd_rw_init_flags);
BSDSYNC_EXPORT(fbsd_rw_destroy);
BSDSYNC_EXPORT(fbsd_rw_wlock);
BSDSYNC_EXPORT(fbsd_rw_rlock);
BSDSYNC_EXPORT(fbsd_rw_try_wlock);
BSDSYNC_EXPORT(fbsd_rw_try_rlock);
BSDSYNC_EXPORT(fbsd_rw_wunlock);
BSDSYNC_EXPORT(fbsd_rw_runlock);
BSDSYNC_EXPORT(fbsd_rw_unlock);
BSDSYNC_EXPORT(fbsd_rw_try_upgrade);
BSDSYNC_EXPORT(fbsd_rw_downgrade);
BSDSYNC_EXPORT(fbsd_rw_wowner);
BSDSYNC_EXPORT(fbsd_rw_wowned);
BSDSYNC_EXPORT(fbsd_rw_recursed);
BSDSYNC_EXPORT(fbsd_rw_assert);
BSDSYNC_EXPORT(fbsd_rw_sysinit);
BSDSYNC_EXPORT(fbsd_rw_sysuninit);

/* sleep(9) */
BSDSYNC_EXPORT(fbsd_tick_sbt);
BSDSYNC_EXPORT(fbsd_hz);
BSDSYNC_EXPORT(fbsd_sbinuptime);
BSDSYNC_EXPORT(fbsd_sleep);
BSDSYNC_EXPORT(fbsd_msleep_spin_sbt);
BSDSYNC_EXPORT(fbsd_pause_sbt);
BSDSYNC_EXPORT(fbsd_wakeup);
BSDSYNC_EXPORT(fbsd_wakeup_one);
BSDSYNC_EXPORT(fbsd_wakeup_any);

/* condvar(9) */
BSDSYNC_EXPORT(fbsd_cv_init);
BSDSYNC_EXPORT(fbsd_cv_destroy);
BSDSYNC_EXPORT(fbsd_cv_wait);
BSDSYNC_EXPORT(fbsd_cv_wait_sig);
BSDSYNC_EXPORT(fbsd_cv_wait_unlock);
BSDSYNC_EXPORT(fbsd_cv_timedwait_sbt);
BSDSYNC_EXPORT(fbsd_cv_timedwait_sig_sbt);
BSDSYNC_EXPORT(fbsd_cv_signal);
BSDSYNC_EXPORT(fbsd_cv_broadcastpri);

/* sema(9) */
BSDSYNC_EXPORT(fbsd_sema_init);
BSDSYNC_EXPORT(fbsd_sema_destroy);
BSDSYNC_EXPORT(fbsd_sema_post);
BSDSYNC_EXPORT(fbsd_sema_wait);
BSDSYNC_EXPORT(fbsd_sema_timedwait);
BSDSYNC_EXPORT(fbsd_sema_trywait);
BSDSYNC_EXPORT(fbsd_sema_value);

/* critical_enter(9) */
BSDSYNC_EXPORT(fbsd_critical_enter);
BSDSYNC_EXPORT(fbsd_critical_exit);

/* malloc(9) */
BSDSYNC_EXPORT(fbsd_malloc);
BSDSYNC_EXPORT(fbsd_mallocarray);
BSDSYNC_EXPORT(fbsd_free);
BSDSYNC_EXPORT(fbsd_zfree);
BSDSYNC_EXPORT(fbsd_realloc);
BSDSYNC_EXPORT(fbsd_reallocf);
BSDSYNC_EXPORT(fbsd_M_CACHE);
BSDSYNC_EXPORT(fbsd_M_DEVBUF);
BSDSYNC_EXPORT(fbsd_M_TEMP);
BSDSYNC_EXPORT(fbsd_M_IOV);
BSDSYNC_EXPORT(fbsd_M_SUBPROC);
BSDSYNC_EXPORT(bsdsync_malloc_fail_next);

/* <sys/systm.h>: printf, KASSERT, WITNESS_WARN, unr(9), spinlock_enter, curcpu */
BSDSYNC_EXPORT(fbsd_printf);
BSDSYNC_EXPORT(fbsd_vprintf);
BSDSYNC_EXPORT(fbsd_kassert_failed);
BSDSYNC_EXPORT(fbsd_witness_warn);
BSDSYNC_EXPORT(fbsd_new_unrhdr);
BSDSYNC_EXPORT(fbsd_delete_unrhdr);
BSDSYNC_EXPORT(fbsd_clear_unrhdr);
BSDSYNC_EXPORT(fbsd_alloc_unr);
BSDSYNC_EXPORT(fbsd_alloc_unrl);
BSDSYNC_EXPORT(fbsd_alloc_unr_specific);
BSDSYNC_EXPORT(fbsd_free_unr);
BSDSYNC_EXPORT(fbsd_spinlock_enter);
BSDSYNC_EXPORT(fbsd_spinlock_exit);
BSDSYNC_EXPORT(fbsd_curcpu);

/* rmlock(9), RM_SYSINIT, and the sleepable read-mostly rms_* locks */
BSDSYNC_EXPORT(fbsd_rm_init_flags);
BSDSYNC_EXPORT(fbsd_rm_destroy);
BSDSYNC_EXPORT(fbsd_rm_rlock);
BSDSYNC_EXPORT(fbsd_rm_runlock);
BSDSYNC_EXPORT(fbsd_rm_rlock_backout);
BSDSYNC_EXPORT(fbsd_rm_wake_drainer);
BSDSYNC_EXPORT(fbsd_rm_wlock);
BSDSYNC_EXPORT(fbsd_rm_wlock_drain);
BSDSYNC_EXPORT(fbsd_rm_wunlock);
BSDSYNC_EXPORT(fbsd_rm_wowned);
BSDSYNC_EXPORT(fbsd_rm_assert);
BSDSYNC_EXPORT(fbsd_rm_sysinit);
BSDSYNC_EXPORT(fbsd_rm_sysuninit);
BSDSYNC_EXPORT(fbsd_rms_init);
BSDSYNC_EXPORT(fbsd_rms_destroy);
BSDSYNC_EXPORT(fbsd_rms_rlock);
BSDSYNC_EXPORT(fbsd_rms_try_rlock);
BSDSYNC_EXPORT(fbsd_rms_runlock);
BSDSYNC_EXPORT(fbsd_rms_wlock);
BSDSYNC_EXPORT(fbsd_rms_wunlock);
BSDSYNC_EXPORT(fbsd_rms_unlock);
BSDSYNC_EXPORT(fbsd_rms_wowned);
BSDSYNC_EXPORT(fbsd_rms_rowned);
BSDSYNC_EXPORT(fbsd_rms_owned_any);
/* lock(9): lockmgr */
BSDSYNC_EXPORT(fbsd_lockinit);
BSDSYNC_EXPORT(fbsd_lockdestroy);
BSDSYNC_EXPORT(fbsd_lockmgr_args);
BSDSYNC_EXPORT(fbsd_lockmgr);
BSDSYNC_EXPORT(fbsd_lockmgr_disown);
BSDSYNC_EXPORT(fbsd_lockmgr_printinfo);
BSDSYNC_EXPORT(fbsd_lockstatus);
BSDSYNC_EXPORT(fbsd_lockmgr_recursed);
BSDSYNC_EXPORT(fbsd_lockmgr_assert);
BSDSYNC_EXPORT(fbsd_lockallowshare);
BSDSYNC_EXPORT(fbsd_lockdisableshare);
BSDSYNC_EXPORT(fbsd_lockallowrecurse);
BSDSYNC_EXPORT(fbsd_lockdisablerecurse);

/* callout(9) */
BSDSYNC_EXPORT(fbsd_callout_init);
BSDSYNC_EXPORT(fbsd_callout_init_lock);
BSDSYNC_EXPORT(fbsd_callout_reset_sbt_on);
BSDSYNC_EXPORT(fbsd_callout_reset_on);
BSDSYNC_EXPORT(fbsd_callout_schedule_on);
BSDSYNC_EXPORT(fbsd_callout_schedule_sbt_on);
BSDSYNC_EXPORT(fbsd_callout_stop_safe);

/* taskqueue(9) */
BSDSYNC_EXPORT(fbsd_taskqueue_create);
BSDSYNC_EXPORT(fbsd_taskqueue_start_threads);
BSDSYNC_EXPORT(fbsd_taskqueue_enqueue);
BSDSYNC_EXPORT(fbsd_taskqueue_drain);
BSDSYNC_EXPORT(fbsd_taskqueue_drain_all);
BSDSYNC_EXPORT(fbsd_taskqueue_cancel);
BSDSYNC_EXPORT(fbsd_taskqueue_free);
BSDSYNC_EXPORT(fbsd_taskqueue_run);
BSDSYNC_EXPORT(fbsd_taskqueue_block);
BSDSYNC_EXPORT(fbsd_taskqueue_unblock);
BSDSYNC_EXPORT(fbsd_taskqueue_member);
BSDSYNC_EXPORT(fbsd_taskqueue_thread_enqueue);
BSDSYNC_EXPORT(fbsd_timeout_task_init);
BSDSYNC_EXPORT(fbsd_taskqueue_enqueue_timeout_sbt);
BSDSYNC_EXPORT(fbsd_taskqueue_enqueue_timeout);
BSDSYNC_EXPORT(fbsd_taskqueue_cancel_timeout);
BSDSYNC_EXPORT(fbsd_taskqueue_drain_timeout);
BSDSYNC_EXPORT(fbsd_taskqueue_thread);
BSDSYNC_EXPORT(fbsd_taskqueue_swi);
BSDSYNC_EXPORT(fbsd_taskqueue_swi_giant);
BSDSYNC_EXPORT(fbsd_taskqueue_fast);

/* kthread(9), kproc(9) */
BSDSYNC_EXPORT(fbsd_kthread_add);
BSDSYNC_EXPORT(fbsd_kproc_create);
BSDSYNC_EXPORT(fbsd_kproc_kthread_add);
BSDSYNC_EXPORT(fbsd_kthread_exit);
BSDSYNC_EXPORT(fbsd_kproc_exit);
