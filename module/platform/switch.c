// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The lock-event switch (platform.h, bsdsync_lock_events_on): a static key the kernel patches
 * into every lock operation's no-op when it is turned on, or a flag where the kernel has no
 * jump labels.
 */
#define BSDSYNC_PLATFORM_SWITCH_IMPL 1
#include <linux/jump_label.h>
#include <linux/rcupdate.h>
#include <linux/mutex.h>

/* Declared with its real type here; platform.h names it as an opaque array elsewhere. */
extern struct static_key_false bsdsync_lock_events_key;
#include "platform/platform.h"

#if BSDSYNC_JUMP_LABEL && !defined(CONFIG_JUMP_LABEL)
#error "Kbuild set BSDSYNC_JUMP_LABEL without CONFIG_JUMP_LABEL"
#endif
/* The jump-table entries of platform.h hold only the key's address; the kernel reads it as
 * the struct static_key it is. Defined in every configuration: the inline lock paths of a
 * driver built for production (<sys/mutex.h>) test it with the kernel's own
 * static_branch_unlikely(), patched in the driver module too (exported for them), or a
 * load of its count where the kernel has no jump labels. */
DEFINE_STATIC_KEY_FALSE(bsdsync_lock_events_key);

#if !BSDSYNC_JUMP_LABEL
int bsdsync_lock_events_flag;
#endif

void bsdsync_lock_events_switch(int on)
{
	if (on)
		static_branch_enable(&bsdsync_lock_events_key);
	else
		static_branch_disable(&bsdsync_lock_events_key);
#if !BSDSYNC_JUMP_LABEL
	WRITE_ONCE(bsdsync_lock_events_flag, !!on);
	/* Every CPU sees the new value before this returns, as with the patched code. */
	synchronize_rcu();
#endif
}

static DEFINE_MUTEX(bsdsync_config_mutex);

void bsdsync_config_lock(void)
{
	mutex_lock(&bsdsync_config_mutex);
}

void bsdsync_config_unlock(void)
{
	mutex_unlock(&bsdsync_config_mutex);
}
