// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The exported C ABI that belongs to no personality: diagnostics and the KUnit test hooks.
 *
 * module/exports/ holds only export lists, one file per personality: EXPORT_SYMBOL lines
 * and the headers that declare the exported names (include/bsdsync, so MODVERSIONS computes
 * each symbol's version from the prototype a driver compiles against). These files are C
 * outside module/platform: the one Linux header they may include is <linux/export.h>
 * (scripts/check-layers.py).
 */
#include <linux/export.h>

#include <bsdsync/lock.h>
#include "platform/platform.h"

/* Diagnostics */
EXPORT_SYMBOL(bsdsync_report_count);
EXPORT_SYMBOL(bsdsync_report_total);
EXPORT_SYMBOL(bsdsync_curthread);
EXPORT_SYMBOL(bsdsync_thread_has_record);
#if IS_ENABLED(CONFIG_KUNIT)
/* Test hooks (platform.h): only for the KUnit suites. */
EXPORT_SYMBOL(bsdsync_prio_lend_hook);
EXPORT_SYMBOL(bsdsync_block_hook_register);
EXPORT_SYMBOL(bsdsync_block_hook_unregister);
#endif
