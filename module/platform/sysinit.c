// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The module notifier that runs the SYSINIT/SYSUNINIT records and module declarations
 * (DECLARE_MODULE) of ported drivers (include/bsdsync/sysinit.h): at MODULE_STATE_COMING,
 * before the module's init function, where a failed MOD_LOAD fails the Linux load with its
 * error; at MODULE_STATE_GOING, after its exit function. A reboot notifier gives the modules
 * of every loaded driver MOD_SHUTDOWN.
 */
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/rcupdate.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/string.h>

#include <bsdsync/sysinit.h>
#include "platform.h"

/* Linux modules whose records declare at least one module: the reboot notifier's list.
 * An entry is added once the load succeeded and removed before the unload events run, both
 * under driver_modules_lock, which the reboot notifier holds while it walks the list. */
struct driver_module {
	struct list_head link;
	struct module *mod;
};
static LIST_HEAD(driver_modules);
static DEFINE_MUTEX(driver_modules_lock);

/* The records of `mod` whose marker names start with `prefix`, in a kmalloc'ed array
 * (*records, NULL if none): their number, or -ENOMEM. The caller runs in the loader's thread,
 * which owns this module's symbol table from before COMING to after GOING; or it holds
 * driver_modules_lock (a listed module is not going) and the RCU read lock, because the
 * loader switches a live module's symbol table to its core part and frees the full one after
 * a grace period (gfp then GFP_ATOMIC). The records themselves are core data of the module. */
static int module_records(struct module *mod, const char *prefix,
			  const struct bsdsync_sysinit ***records, gfp_t gfp)
{
	const struct bsdsync_sysinit **found = NULL;
	struct mod_kallsyms *ks;
	size_t plen = strlen(prefix);
	unsigned int i, n = 0, cap = 0;

	*records = NULL;
	ks = rcu_dereference_raw(mod->kallsyms);
	if (!ks)
		return 0;
	for (i = 0; i < ks->num_symtab; i++) {
		const Elf_Sym *sym = &ks->symtab[i];
		const char *name = ks->strtab + sym->st_name;
		bsdsync_sysinit_marker_t marker;

		if (ELF_ST_TYPE(sym->st_info) != STT_FUNC || strncmp(name, prefix, plen) != 0)
			continue;
		if (n == cap) {
			const struct bsdsync_sysinit **grown;

			cap = cap ? cap * 2 : 16;
			grown = krealloc(found, cap * sizeof(*found), gfp);
			if (!grown) {
				pr_err("bsdsync: %s: out of memory for SYSINIT records\n", mod->name);
				kfree(found);
				return -ENOMEM;
			}
			found = grown;
		}
		marker = (bsdsync_sysinit_marker_t)(unsigned long)sym->st_value;
		found[n++] = marker();
	}
	*records = found;
	return n;
}

static bool declares_modules(const struct bsdsync_sysinit **inits, int n)
{
	while (n-- > 0)
		if (inits[n]->module)
			return true;
	return false;
}

static int module_coming(struct module *mod)
{
	const struct bsdsync_sysinit **inits, **uninits;
	struct driver_module *dm = NULL;
	int ninits, nuninits, error;

	ninits = module_records(mod, BSDSYNC_SYSINIT_PREFIX, &inits, GFP_KERNEL);
	if (ninits < 0)
		return ninits;
	if (!ninits)
		return 0;
	nuninits = module_records(mod, BSDSYNC_SYSUNINIT_PREFIX, &uninits, GFP_KERNEL);
	if (nuninits < 0) {
		kfree(inits);
		return nuninits;
	}
	if (declares_modules(inits, ninits)) {
		dm = kmalloc(sizeof(*dm), GFP_KERNEL);
		if (!dm) {
			error = -ENOMEM;
			goto out;
		}
		dm->mod = mod;
	}
	error = bsdsync_sysinit_load(mod->name, inits, ninits, uninits, nuninits);
	if (!error && dm) {
		mutex_lock(&driver_modules_lock);
		list_add_tail(&dm->link, &driver_modules);
		mutex_unlock(&driver_modules_lock);
		dm = NULL;
	}
out:
	kfree(dm);
	kfree(inits);
	kfree(uninits);
	return error;
}

static void module_going(struct module *mod)
{
	const struct bsdsync_sysinit **inits, **uninits;
	struct driver_module *dm, *next;
	int ninits, nuninits;

	mutex_lock(&driver_modules_lock);
	list_for_each_entry_safe(dm, next, &driver_modules, link) {
		if (dm->mod == mod) {
			list_del(&dm->link);
			kfree(dm);
		}
	}
	mutex_unlock(&driver_modules_lock);

	ninits = module_records(mod, BSDSYNC_SYSINIT_PREFIX, &inits, GFP_KERNEL);
	nuninits = module_records(mod, BSDSYNC_SYSUNINIT_PREFIX, &uninits, GFP_KERNEL);
	/* Out of memory here would leave the driver's resources behind: nothing to do but say
	 * so (module_records did); what could be found still runs. */
	bsdsync_sysinit_unload(mod->name, inits, ninits > 0 ? ninits : 0, uninits,
			       nuninits > 0 ? nuninits : 0);
	kfree(inits);
	kfree(uninits);
}

static int bsdsync_module_event(struct notifier_block *nb, unsigned long action, void *data)
{
	struct module *mod = data;

	if (action == MODULE_STATE_COMING)
		return notifier_from_errno(module_coming(mod));
	if (action == MODULE_STATE_GOING)
		module_going(mod);
	return NOTIFY_OK;
}

/* First of all module notifiers: a BSD runs SYSINITs before anything else of a module,
 * and other COMING notifiers already run module code (KUnit runs a module's suites from
 * its own COMING notifier). Being first also means that when a MOD_LOAD fails the load here,
 * no other notifier has seen the module (the loader's robust notifier chain gives GOING only
 * to those that saw COMING). */
static struct notifier_block bsdsync_module_nb = {
	.notifier_call = bsdsync_module_event,
	.priority = INT_MAX,
};

/* MOD_SHUTDOWN to every declared module at reboot, halt or power-off (a BSD sends it from
 * its shutdown_final event); the handlers' errors are ignored there too. */
static int bsdsync_reboot_event(struct notifier_block *nb, unsigned long action, void *data)
{
	struct driver_module *dm;

	mutex_lock(&driver_modules_lock);
	list_for_each_entry(dm, &driver_modules, link) {
		const struct bsdsync_sysinit **inits;
		int n;

		rcu_read_lock();
		n = module_records(dm->mod, BSDSYNC_SYSINIT_PREFIX, &inits, GFP_ATOMIC);
		rcu_read_unlock();

		if (n > 0)
			bsdsync_sysinit_shutdown(inits, n);
		kfree(inits);
	}
	mutex_unlock(&driver_modules_lock);
	return NOTIFY_DONE;
}

static struct notifier_block bsdsync_reboot_nb = {
	.notifier_call = bsdsync_reboot_event,
};

int bsdsync_sysinit_start(void)
{
	int error = register_reboot_notifier(&bsdsync_reboot_nb);

	if (error)
		return error;
	error = register_module_notifier(&bsdsync_module_nb);
	if (error)
		unregister_reboot_notifier(&bsdsync_reboot_nb);
	return error;
}

void bsdsync_sysinit_stop(void)
{
	unregister_module_notifier(&bsdsync_module_nb);
	unregister_reboot_notifier(&bsdsync_reboot_nb);
}
