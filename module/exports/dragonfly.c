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
#include <bsdsync/dragonfly/token.h>

/* crit_enter(9) */
BSDSYNC_EXPORT(dfly_crit_enter);
BSDSYNC_EXPORT(dfly_crit_exit);
BSDSYNC_EXPORT(dfly_crit_enter_id);
BSDSYNC_EXPORT(dfly_crit_exit_id);
BSDSYNC_EXPORT(dfly_crit_count);

/* spinlock(9) */
BSDSYNC_EXPORT(dfly_spin_lock);
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

/* token(9), and the MP lock's token */
BSDSYNC_EXPORT(dfly_lwkt_token_init);
BSDSYNC_EXPORT(dfly_lwkt_token_uninit);
BSDSYNC_EXPORT(dfly_lwkt_gettoken);
BSDSYNC_EXPORT(dfly_lwkt_gettoken_shared);
BSDSYNC_EXPORT(dfly_lwkt_trytoken);
BSDSYNC_EXPORT(dfly_lwkt_reltoken);
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
