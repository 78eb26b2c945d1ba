/* SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0 */
/*
 * Exporting a symbol of bsdsync's C ABI to other modules (the export lists in
 * module/exports/). The Linux macro stays in platform, so that the export lists include no
 * Linux header of their own (scripts/check-layers.py). Not for C++: export lists are C.
 */
#ifndef BSDSYNC_PLATFORM_EXPORT_H
#define BSDSYNC_PLATFORM_EXPORT_H

#include <linux/export.h>

/* Non-GPL: drivers of any license may use bsdsync's ABI (MODULE_LICENSE "Dual BSD/GPL"). */
#define BSDSYNC_EXPORT(sym) EXPORT_SYMBOL(sym)

#endif
