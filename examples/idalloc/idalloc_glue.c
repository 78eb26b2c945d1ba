// SPDX-License-Identifier: BSD-2-Clause
/*
 * Linux glue for bsd_idalloc: the module's entry points and license, nothing else.
 * idalloc.c is a FreeBSD kernel file: its SYSINITs run when this module loads (before
 * the empty init below) and its SYSUNINITs after the exit function below, when it unloads.
 * A module needs an exit function to be unloadable at all, hence this file.
 */
#include <linux/module.h>

static int __init
idalloc_glue_init(void)
{
	return 0;
}

static void __exit
idalloc_glue_exit(void)
{
}

module_init(idalloc_glue_init);
module_exit(idalloc_glue_exit);
MODULE_LICENSE("Dual BSD/GPL");
