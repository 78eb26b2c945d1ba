// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The exported C ABI of the DragonFly personality (module/dragonfly), as declared in the
 * headers of include/bsdsync/dragonfly (see module/exports/bsdsync.c for the rules of this
 * folder).
 */
#include "platform/export.h"

#include <bsdsync/dragonfly/critical.h>
#include <bsdsync/dragonfly/spinlock.h>
#include <bsdsync/dragonfly/sleep.h>
#include <bsdsync/dragonfly/lock.h>
#include <bsdsync/dragonfly/mutex.h>
#include <bsdsync/dragonfly/serialize.h>
#include <bsdsync/dragonfly/condvar.h>
#include <bsdsync/dragonfly/msgport.h>
#include <bsdsync/dragonfly/token.h>

/* crit_enter(9) */
BSDSYNC_EXPORT(dfly_crit_enter);
BSDSYNC_EXPORT(dfly_crit_exit);
BSDSYNC_EXPORT(dfly_crit_enter_id);
BSDSYNC_EXPORT(dfly_crit_exit_id);
BSDSYNC_EXPORT(dfly_crit_count);
BSDSYNC_EXPORT(dfly_crit_enter_hard);
BSDSYNC_EXPORT(dfly_crit_exit_hard);
BSDSYNC_EXPORT(dfly_crit_hard_count);

/* spinlock(9) */
BSDSYNC_EXPORT(dfly_spin_lock);
BSDSYNC_EXPORT(dfly_spin_lock_contested);
BSDSYNC_EXPORT(dfly_spin_lock_shared);
BSDSYNC_EXPORT(dfly_spin_trylock);
BSDSYNC_EXPORT(dfly_spin_unlock);
BSDSYNC_EXPORT(dfly_spin_unlock_shared);
BSDSYNC_EXPORT(dfly_spin_unlock_any);
BSDSYNC_EXPORT(dfly_spin_pool_lock);
BSDSYNC_EXPORT(dfly_spin_pool_unlock);

/* sleep(9): the tsleep family */
BSDSYNC_EXPORT(dfly_hz);
BSDSYNC_EXPORT(dfly_tsleep);
BSDSYNC_EXPORT(dfly_tsleep_interlock);
BSDSYNC_EXPORT(dfly_ssleep);
BSDSYNC_EXPORT(dfly_wakeup);
BSDSYNC_EXPORT(dfly_wakeup_one);

/* lock(9): DragonFly's lockmgr */
BSDSYNC_EXPORT(dfly_lockinit);
BSDSYNC_EXPORT(dfly_lockreinit);
BSDSYNC_EXPORT(dfly_lockuninit);
BSDSYNC_EXPORT(dfly_lockmgr);
BSDSYNC_EXPORT(dfly_lockstatus);
BSDSYNC_EXPORT(dfly_lockowned);
BSDSYNC_EXPORT(dfly_lockmgr_kernproc);
BSDSYNC_EXPORT(dfly_lock_sysinit);
BSDSYNC_EXPORT(dfly_lock_sysuninit);
BSDSYNC_EXPORT(dfly_lksleep);

/* mutex(9): DragonFly's mtx */
BSDSYNC_EXPORT(dfly_mtx_init);
BSDSYNC_EXPORT(dfly_mtx_uninit);
BSDSYNC_EXPORT(dfly_mtx_lock_ex);
BSDSYNC_EXPORT(dfly_mtx_lock_sh);
BSDSYNC_EXPORT(dfly_mtx_lock_ex_link);
BSDSYNC_EXPORT(dfly_mtx_lock_sh_link);
BSDSYNC_EXPORT(dfly_mtx_lock_ex_try);
BSDSYNC_EXPORT(dfly_mtx_lock_sh_try);
BSDSYNC_EXPORT(dfly_mtx_abort_link);
BSDSYNC_EXPORT(dfly_mtx_upgrade_try);
BSDSYNC_EXPORT(dfly_mtx_downgrade);
BSDSYNC_EXPORT(dfly_mtx_unlock);
BSDSYNC_EXPORT(dfly_mtx_spinlock);
BSDSYNC_EXPORT(dfly_mtx_spinlock_try);
BSDSYNC_EXPORT(dfly_mtx_spinunlock);
BSDSYNC_EXPORT(dfly_mtx_owned);
BSDSYNC_EXPORT(dfly_mtxsleep);

/* serializer(9) */
BSDSYNC_EXPORT(dfly_lwkt_serialize_enter);
BSDSYNC_EXPORT(dfly_lwkt_serialize_adaptive_enter);
BSDSYNC_EXPORT(dfly_lwkt_serialize_try);
BSDSYNC_EXPORT(dfly_lwkt_serialize_exit);
BSDSYNC_EXPORT(dfly_lwkt_serialize_handler_disable);
BSDSYNC_EXPORT(dfly_lwkt_serialize_handler_enable);
BSDSYNC_EXPORT(dfly_lwkt_serialize_handler_call);
BSDSYNC_EXPORT(dfly_lwkt_serialize_handler_try);
BSDSYNC_EXPORT(dfly_lwkt_serialize_is_serialized);
BSDSYNC_EXPORT(dfly_lwkt_serialize_assert);
BSDSYNC_EXPORT(dfly_zsleep);

/* condvar: DragonFly's cv (lockmgr interlock) */
BSDSYNC_EXPORT(dfly_cv_init);
BSDSYNC_EXPORT(dfly_cv_destroy);
BSDSYNC_EXPORT(dfly_cv_timedwait);
BSDSYNC_EXPORT(dfly_cv_signal);
BSDSYNC_EXPORT(dfly_cv_has_waiters);

/* sleep(9): wakeup domains */
BSDSYNC_EXPORT(dfly_wakeup_domain);
BSDSYNC_EXPORT(dfly_wakeup_domain_one);

/* msgport(9): LWKT messages and ports */
BSDSYNC_EXPORT(dfly_lwkt_initport_spin);
BSDSYNC_EXPORT(dfly_lwkt_initport_thread);
BSDSYNC_EXPORT(dfly_lwkt_thread_port);
BSDSYNC_EXPORT(dfly_lwkt_initport_serialize);
BSDSYNC_EXPORT(dfly_lwkt_initport_panic);
BSDSYNC_EXPORT(dfly_lwkt_initport_replyonly_null);
BSDSYNC_EXPORT(dfly_lwkt_initport_replyonly);
BSDSYNC_EXPORT(dfly_lwkt_initport_putonly);
BSDSYNC_EXPORT(dfly_lwkt_sendmsg);
BSDSYNC_EXPORT(dfly_lwkt_domsg);
BSDSYNC_EXPORT(dfly_lwkt_forwardmsg);
BSDSYNC_EXPORT(dfly_lwkt_replymsg);
BSDSYNC_EXPORT(dfly_lwkt_abortmsg);
BSDSYNC_EXPORT(dfly_lwkt_dropmsg);
BSDSYNC_EXPORT(dfly_lwkt_getport);

/* token(9), and the MP lock's token */
BSDSYNC_EXPORT(dfly_lwkt_token_init);
BSDSYNC_EXPORT(dfly_lwkt_token_uninit);
BSDSYNC_EXPORT(dfly_lwkt_gettoken);
BSDSYNC_EXPORT(dfly_lwkt_gettoken_shared);
BSDSYNC_EXPORT(dfly_lwkt_trytoken);
BSDSYNC_EXPORT(dfly_lwkt_reltoken);
BSDSYNC_EXPORT(dfly_lwkt_nwaiting);
BSDSYNC_EXPORT(dfly_lwkt_token_grant);
BSDSYNC_EXPORT(dfly_lwkt_token_spin_ns);
BSDSYNC_EXPORT(dfly_lwkt_gettoken_hard);
BSDSYNC_EXPORT(dfly_lwkt_reltoken_hard);
BSDSYNC_EXPORT(dfly_lwkt_cnttoken);
BSDSYNC_EXPORT(dfly_lwkt_token_swap);
BSDSYNC_EXPORT(dfly_lwkt_token_pool_lookup);
BSDSYNC_EXPORT(dfly_lwkt_getpooltoken);
BSDSYNC_EXPORT(dfly_lwkt_relpooltoken);
BSDSYNC_EXPORT(dfly_lwkt_token_held);
BSDSYNC_EXPORT(dfly_lwkt_tokens_held);
BSDSYNC_EXPORT(dfly_lwkt_token_assert);
BSDSYNC_EXPORT(dfly_lwkt_assert_no_tokens);
BSDSYNC_EXPORT(dfly_mp_token);
