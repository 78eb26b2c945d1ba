// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The exported C ABI of the FreeBSD personality (module/freebsd), as declared in
 * include/bsdsync/fbsd_*.h (see module/exports/bsdsync.c for the rules of this folder).
 */
#include <linux/export.h>

#include <bsdsync/lock.h>
#include <bsdsync/fbsd_mutex.h>
#include <bsdsync/fbsd_rmlock.h>
#include <bsdsync/fbsd_sleep.h>
#include <bsdsync/fbsd_sema.h>
#include <bsdsync/fbsd_malloc.h>
#include <bsdsync/fbsd_systm.h>
#include <bsdsync/fbsd_sx.h>
#include <bsdsync/fbsd_rwlock.h>
#include <bsdsync/fbsd_lockmgr.h>
#include <bsdsync/fbsd_callout.h>
#include <bsdsync/fbsd_taskqueue.h>
#include <bsdsync/fbsd_kthread.h>

/* mutex(9), mtx_pool(9), Giant, MTX_SYSINIT */
EXPORT_SYMBOL(fbsd_mtx_sysinit);
EXPORT_SYMBOL(fbsd_mtx_sysuninit);
EXPORT_SYMBOL(fbsd_mtx_init);
EXPORT_SYMBOL(fbsd_mtx_destroy);
EXPORT_SYMBOL(fbsd_mtx_lock_flags);
EXPORT_SYMBOL(fbsd_mtx_unlock_flags);
EXPORT_SYMBOL(fbsd_mtx_trylock_flags);
EXPORT_SYMBOL(fbsd_mtx_lock_spin_flags);
EXPORT_SYMBOL(fbsd_mtx_unlock_spin_flags);
EXPORT_SYMBOL(fbsd_mtx_trylock_spin_flags);
EXPORT_SYMBOL(fbsd_mtx_assert);
EXPORT_SYMBOL(fbsd_mtx_owned);
EXPORT_SYMBOL(fbsd_mtx_recursed);
EXPORT_SYMBOL(fbsd_mtx_owner);
EXPORT_SYMBOL(fbsd_mtx_spin_wait_unlocked);
EXPORT_SYMBOL(fbsd_Giant);
EXPORT_SYMBOL(fbsd_drop_giant);
EXPORT_SYMBOL(fbsd_pickup_giant);
EXPORT_SYMBOL(fbsd_mtx_pool_create);
EXPORT_SYMBOL(fbsd_mtx_pool_destroy);
EXPORT_SYMBOL(fbsd_mtx_pool_find);
EXPORT_SYMBOL(fbsd_mtx_pool_alloc);
EXPORT_SYMBOL(fbsd_mtxpool_sleep);

/* sx(9), SX_SYSINIT */
EXPORT_SYMBOL(fbsd_sx_init_flags);
EXPORT_SYMBOL(fbsd_sx_destroy);
EXPORT_SYMBOL(fbsd_sx_xlock);
EXPORT_SYMBOL(fbsd_sx_slock);
EXPORT_SYMBOL(fbsd_sx_try_xlock);
EXPORT_SYMBOL(fbsd_sx_try_slock);
EXPORT_SYMBOL(fbsd_sx_xunlock);
EXPORT_SYMBOL(fbsd_sx_sunlock);
EXPORT_SYMBOL(fbsd_sx_unlock);
EXPORT_SYMBOL(fbsd_sx_try_upgrade);
EXPORT_SYMBOL(fbsd_sx_downgrade);
EXPORT_SYMBOL(fbsd_sx_xholder);
EXPORT_SYMBOL(fbsd_sx_xlocked);
EXPORT_SYMBOL(fbsd_sx_recursed);
EXPORT_SYMBOL(fbsd_sx_assert);
EXPORT_SYMBOL(fbsd_sx_sysinit);
EXPORT_SYMBOL(fbsd_sx_sysuninit);

/* rwlock(9), RW_SYSINIT */
EXPORT_SYMBOL(fbsd_rw_init_flags);
EXPORT_SYMBOL(fbsd_rw_destroy);
EXPORT_SYMBOL(fbsd_rw_wlock);
EXPORT_SYMBOL(fbsd_rw_rlock);
EXPORT_SYMBOL(fbsd_rw_try_wlock);
EXPORT_SYMBOL(fbsd_rw_try_rlock);
EXPORT_SYMBOL(fbsd_rw_wunlock);
EXPORT_SYMBOL(fbsd_rw_runlock);
EXPORT_SYMBOL(fbsd_rw_unlock);
EXPORT_SYMBOL(fbsd_rw_try_upgrade);
EXPORT_SYMBOL(fbsd_rw_downgrade);
EXPORT_SYMBOL(fbsd_rw_wowner);
EXPORT_SYMBOL(fbsd_rw_wowned);
EXPORT_SYMBOL(fbsd_rw_recursed);
EXPORT_SYMBOL(fbsd_rw_assert);
EXPORT_SYMBOL(fbsd_rw_sysinit);
EXPORT_SYMBOL(fbsd_rw_sysuninit);

/* sleep(9) */
EXPORT_SYMBOL(fbsd_tick_sbt);
EXPORT_SYMBOL(fbsd_hz);
EXPORT_SYMBOL(fbsd_sbinuptime);
EXPORT_SYMBOL(fbsd_sleep);
EXPORT_SYMBOL(fbsd_msleep_spin_sbt);
EXPORT_SYMBOL(fbsd_pause_sbt);
EXPORT_SYMBOL(fbsd_wakeup);
EXPORT_SYMBOL(fbsd_wakeup_one);
EXPORT_SYMBOL(fbsd_wakeup_any);

/* condvar(9) */
EXPORT_SYMBOL(fbsd_cv_init);
EXPORT_SYMBOL(fbsd_cv_destroy);
EXPORT_SYMBOL(fbsd_cv_wait);
EXPORT_SYMBOL(fbsd_cv_wait_sig);
EXPORT_SYMBOL(fbsd_cv_wait_unlock);
EXPORT_SYMBOL(fbsd_cv_timedwait_sbt);
EXPORT_SYMBOL(fbsd_cv_timedwait_sig_sbt);
EXPORT_SYMBOL(fbsd_cv_signal);
EXPORT_SYMBOL(fbsd_cv_broadcastpri);

/* sema(9) */
EXPORT_SYMBOL(fbsd_sema_init);
EXPORT_SYMBOL(fbsd_sema_destroy);
EXPORT_SYMBOL(fbsd_sema_post);
EXPORT_SYMBOL(fbsd_sema_wait);
EXPORT_SYMBOL(fbsd_sema_timedwait);
EXPORT_SYMBOL(fbsd_sema_trywait);
EXPORT_SYMBOL(fbsd_sema_value);

/* critical_enter(9) */
EXPORT_SYMBOL(fbsd_critical_enter);
EXPORT_SYMBOL(fbsd_critical_exit);

/* malloc(9) */
EXPORT_SYMBOL(fbsd_malloc);
EXPORT_SYMBOL(fbsd_mallocarray);
EXPORT_SYMBOL(fbsd_free);
EXPORT_SYMBOL(fbsd_zfree);
EXPORT_SYMBOL(fbsd_realloc);
EXPORT_SYMBOL(fbsd_reallocf);
EXPORT_SYMBOL(fbsd_M_CACHE);
EXPORT_SYMBOL(fbsd_M_DEVBUF);
EXPORT_SYMBOL(fbsd_M_TEMP);
EXPORT_SYMBOL(fbsd_M_IOV);
EXPORT_SYMBOL(fbsd_M_SUBPROC);
EXPORT_SYMBOL(bsdsync_malloc_fail_next);

/* <sys/systm.h>: printf, KASSERT, WITNESS_WARN, unr(9), spinlock_enter, curcpu */
EXPORT_SYMBOL(fbsd_printf);
EXPORT_SYMBOL(fbsd_vprintf);
EXPORT_SYMBOL(fbsd_kassert_failed);
EXPORT_SYMBOL(fbsd_witness_warn);
EXPORT_SYMBOL(fbsd_new_unrhdr);
EXPORT_SYMBOL(fbsd_delete_unrhdr);
EXPORT_SYMBOL(fbsd_clear_unrhdr);
EXPORT_SYMBOL(fbsd_alloc_unr);
EXPORT_SYMBOL(fbsd_alloc_unrl);
EXPORT_SYMBOL(fbsd_alloc_unr_specific);
EXPORT_SYMBOL(fbsd_free_unr);
EXPORT_SYMBOL(fbsd_spinlock_enter);
EXPORT_SYMBOL(fbsd_spinlock_exit);
EXPORT_SYMBOL(fbsd_curcpu);

/* rmlock(9), RM_SYSINIT, and the sleepable read-mostly rms_* locks */
EXPORT_SYMBOL(fbsd_rm_init_flags);
EXPORT_SYMBOL(fbsd_rm_destroy);
EXPORT_SYMBOL(fbsd_rm_rlock);
EXPORT_SYMBOL(fbsd_rm_runlock);
EXPORT_SYMBOL(fbsd_rm_wlock);
EXPORT_SYMBOL(fbsd_rm_wunlock);
EXPORT_SYMBOL(fbsd_rm_wowned);
EXPORT_SYMBOL(fbsd_rm_assert);
EXPORT_SYMBOL(fbsd_rm_sysinit);
EXPORT_SYMBOL(fbsd_rm_sysuninit);
EXPORT_SYMBOL(fbsd_rms_init);
EXPORT_SYMBOL(fbsd_rms_destroy);
EXPORT_SYMBOL(fbsd_rms_rlock);
EXPORT_SYMBOL(fbsd_rms_try_rlock);
EXPORT_SYMBOL(fbsd_rms_runlock);
EXPORT_SYMBOL(fbsd_rms_wlock);
EXPORT_SYMBOL(fbsd_rms_wunlock);
EXPORT_SYMBOL(fbsd_rms_unlock);
EXPORT_SYMBOL(fbsd_rms_wowned);
EXPORT_SYMBOL(fbsd_rms_rowned);
EXPORT_SYMBOL(fbsd_rms_owned_any);
/* lock(9): lockmgr */
EXPORT_SYMBOL(fbsd_lockinit);
EXPORT_SYMBOL(fbsd_lockdestroy);
EXPORT_SYMBOL(fbsd_lockmgr_args);
EXPORT_SYMBOL(fbsd_lockmgr);
EXPORT_SYMBOL(fbsd_lockmgr_disown);
EXPORT_SYMBOL(fbsd_lockmgr_printinfo);
EXPORT_SYMBOL(fbsd_lockstatus);
EXPORT_SYMBOL(fbsd_lockmgr_recursed);
EXPORT_SYMBOL(fbsd_lockmgr_assert);
EXPORT_SYMBOL(fbsd_lockallowshare);
EXPORT_SYMBOL(fbsd_lockdisableshare);
EXPORT_SYMBOL(fbsd_lockallowrecurse);
EXPORT_SYMBOL(fbsd_lockdisablerecurse);

/* callout(9) */
EXPORT_SYMBOL(fbsd_callout_init);
EXPORT_SYMBOL(fbsd_callout_init_lock);
EXPORT_SYMBOL(fbsd_callout_reset_sbt_on);
EXPORT_SYMBOL(fbsd_callout_reset_on);
EXPORT_SYMBOL(fbsd_callout_schedule_on);
EXPORT_SYMBOL(fbsd_callout_schedule_sbt_on);
EXPORT_SYMBOL(fbsd_callout_stop_safe);

/* taskqueue(9) */
EXPORT_SYMBOL(fbsd_taskqueue_create);
EXPORT_SYMBOL(fbsd_taskqueue_start_threads);
EXPORT_SYMBOL(fbsd_taskqueue_enqueue);
EXPORT_SYMBOL(fbsd_taskqueue_drain);
EXPORT_SYMBOL(fbsd_taskqueue_drain_all);
EXPORT_SYMBOL(fbsd_taskqueue_cancel);
EXPORT_SYMBOL(fbsd_taskqueue_free);
EXPORT_SYMBOL(fbsd_taskqueue_run);
EXPORT_SYMBOL(fbsd_taskqueue_block);
EXPORT_SYMBOL(fbsd_taskqueue_unblock);
EXPORT_SYMBOL(fbsd_taskqueue_member);
EXPORT_SYMBOL(fbsd_taskqueue_thread_enqueue);
EXPORT_SYMBOL(fbsd_timeout_task_init);
EXPORT_SYMBOL(fbsd_taskqueue_enqueue_timeout_sbt);
EXPORT_SYMBOL(fbsd_taskqueue_enqueue_timeout);
EXPORT_SYMBOL(fbsd_taskqueue_cancel_timeout);
EXPORT_SYMBOL(fbsd_taskqueue_drain_timeout);
EXPORT_SYMBOL(fbsd_taskqueue_thread);
EXPORT_SYMBOL(fbsd_taskqueue_swi);
EXPORT_SYMBOL(fbsd_taskqueue_swi_giant);
EXPORT_SYMBOL(fbsd_taskqueue_fast);

/* kthread(9), kproc(9) */
EXPORT_SYMBOL(fbsd_kthread_add);
EXPORT_SYMBOL(fbsd_kproc_create);
EXPORT_SYMBOL(fbsd_kproc_kthread_add);
EXPORT_SYMBOL(fbsd_kthread_exit);
EXPORT_SYMBOL(fbsd_kproc_exit);
