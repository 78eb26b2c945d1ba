// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The module notifier that runs the SYSINIT/SYSUNINIT records of ported drivers
 * (include/bsdsync/sysinit.h): at MODULE_STATE_COMING, before the module's init function;
 * at MODULE_STATE_GOING, after its exit function.
 */
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <bsdsync/sysinit.h>
#include "platform.h"

static void run_module_sysinits(struct module *mod, const char *prefix, int uninit)
{
	const struct bsdsync_sysinit **records = NULL;
	struct mod_kallsyms *ks;
	size_t plen = strlen(prefix);
	unsigned int i, n = 0, cap = 0;

	/* The notifier runs in the loader's thread, which owns this module's symbol table
	 * from before COMING to after GOING. */
	ks = rcu_dereference_raw(mod->kallsyms);
	if (!ks)
		return;
	for (i = 0; i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];
		const char *name = ks->strtab + sym->st_name;
		bsdsync_sysinit_marker_t marker;

		if (ELF_ST_TYPE(sym->st_info) != STT_FUNC || strncmp(name, prefix, plen) != 0)
			continue;
		if (n == cap) {
			const struct bsdsync_sysinit **grown;

			cap = cap ? cap * 2 : 16;
			grown = krealloc(records, cap * sizeof(*records), GFP_KERNEL);
			if (!grown) {
				pr_err("bsdsync: %s: out of memory for SYSINIT records\n", mod->name);
				kfree(records);
				return;
			}
			records = grown;
		}
		marker = (bsdsync_sysinit_marker_t)(unsigned long)sym->st_value;
		records[n++] = marker();
	}
	if (n)
		bsdsync_run_sysinits(records, n, uninit);
	kfree(records);
}

static int bsdsync_module_event(struct notifier_block *nb, unsigned long action, void *data)
{
	struct module *mod = data;

	if (action == MODULE_STATE_COMING)
		run_module_sysinits(mod, BSDSYNC_SYSINIT_PREFIX, 0);
	else if (action == MODULE_STATE_GOING)
		run_module_sysinits(mod, BSDSYNC_SYSUNINIT_PREFIX, 1);
	return NOTIFY_OK;
}

/* First of all module notifiers: a BSD runs SYSINITs before anything else of a module,
 * and other COMING notifiers already run module code (KUnit runs a module's suites from
 * its own COMING notifier). */
static struct notifier_block bsdsync_module_nb = {
	.notifier_call = bsdsync_module_event,
	.priority = INT_MAX,
};

int bsdsync_sysinit_start(void)
{
	return register_module_notifier(&bsdsync_module_nb);
}

void bsdsync_sysinit_stop(void)
{
	unregister_module_notifier(&bsdsync_module_nb);
}
