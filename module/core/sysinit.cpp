/*
 * SYSINIT/SYSUNINIT ordering and module events (include/bsdsync/sysinit.h). The platform's
 * module notifier finds a loading module's records; this runs them in FreeBSD's order and
 * gives each module declaration (DECLARE_MODULE) its events:
 *
 *   load:     SYSINITs and MOD_LOADs in (subsystem, order) order. A failed MOD_LOAD at key K:
 *             MOD_UNLOAD to that module (FreeBSD's module_register_init does so), MOD_QUIESCE
 *             and MOD_UNLOAD to the modules loaded before it (newest first), the SYSUNINITs
 *             with a key before K in reverse, and the error to the Linux loader.
 *   unload:   MOD_QUIESCE then MOD_UNLOAD to each module, newest first; then every SYSUNINIT
 *             in reverse (FreeBSD's linker_file_unload: modules first, then the sysuninits).
 *   shutdown: MOD_SHUTDOWN to each module (FreeBSD's module_shutdown), errors ignored.
 *
 * The errno numbers are Linux's, as everywhere in bsdsync (<sys/errno.h>).
 */
#include <bsdsync/sysinit.h>
#include "core/base.h"
#include "core/diag.h"

namespace {

constexpr int kEINVAL = 22;
constexpr int kEOPNOTSUPP = 95;

bool before(const bsdsync_sysinit *a, const bsdsync_sysinit *b)
{
	if (a->subsystem != b->subsystem)
		return a->subsystem < b->subsystem;
	return a->order < b->order;
}

/* Insertion sort: a module has a handful of records, and the sort must be stable so equal
 * keys keep their symbol-table order. */
void sort_records(const bsdsync_sysinit **records, int count)
{
	for (int i = 1; i < count; i++) {
		const bsdsync_sysinit *r = records[i];
		int j = i - 1;
		while (j >= 0 && before(r, records[j])) {
			records[j + 1] = records[j];
			j--;
		}
		records[j + 1] = r;
	}
}

/* One event to one module. A module without a handler loads and unloads doing nothing, and
 * has no other event (FreeBSD's modevent_nop, except that it refuses MOD_UNLOAD: refusing is
 * something Linux cannot do, so it would only make every unload report). */
int module_event(const bsdsync_moduledata *md, int what)
{
	if (!md->evhand)
		return what == BSDSYNC_MOD_LOAD || what == BSDSYNC_MOD_UNLOAD ? 0 : kEOPNOTSUPP;
	/* The handle is the declaration itself (<sys/module.h>: module_getname reads it). */
	return md->evhand(reinterpret_cast<struct module *>(const_cast<bsdsync_moduledata *>(md)),
			  what, md->priv);
}

/* A handler's error as a Linux errno: FreeBSD handlers return positive errnos; a negative
 * one is a Linux errno already; what is no errno at all fails the load with EINVAL. */
int linux_errno(int error)
{
	constexpr int kMaxErrno = 4095;		/* Linux's MAX_ERRNO */

	if (error > 0 && error <= kMaxErrno)
		return -error;
	if (error < 0 && error >= -kMaxErrno)
		return error;
	return -kEINVAL;
}

/* MOD_QUIESCE then MOD_UNLOAD, as FreeBSD's module_unload; Linux cannot refuse the unload, so
 * a refusal is reported once, naming the module, and the unload goes on (the module's
 * MOD_UNLOAD still runs after a refused MOD_QUIESCE, as for FreeBSD's forced unload). */
void unload_module(const char *kmod, const bsdsync_moduledata *md)
{
	int error = module_event(md, BSDSYNC_MOD_QUIESCE);

	if (error == kEOPNOTSUPP || error == kEINVAL)
		error = 0;
	const char *what = "MOD_QUIESCE";
	if (!error) {
		error = module_event(md, BSDSYNC_MOD_UNLOAD);
		what = "MOD_UNLOAD";
	} else {
		module_event(md, BSDSYNC_MOD_UNLOAD);
	}
	if (error)
		bsdsync::report(BSDSYNC_RULE_UNLOAD_REFUSED,
				bsdsync::ReportSubject{"module", md->name, nullptr, nullptr},
				nullptr, 0,
				"%s returned %d; FreeBSD would refuse to unload %s", what, error, kmod);
}

/* The module declarations among the first n sorted inits, newest first. */
void unload_modules(const char *kmod, const bsdsync_sysinit **inits, int n)
{
	for (int i = n - 1; i >= 0; i--)
		if (inits[i]->module)
			unload_module(kmod, inits[i]->module);
}

/* The SYSUNINITs before key `limit` (all of them if limit is null), newest first. */
void run_uninits(const bsdsync_sysinit **uninits, int n, const bsdsync_sysinit *limit)
{
	for (int i = n - 1; i >= 0; i--)
		if (!limit || before(uninits[i], limit))
			uninits[i]->func(uninits[i]->udata);
}

} // namespace

extern "C" int bsdsync_sysinit_load(const char *kmod, const struct bsdsync_sysinit **inits,
				    int ninits, const struct bsdsync_sysinit **uninits,
				    int nuninits)
{
	sort_records(inits, ninits);
	sort_records(uninits, nuninits);
	for (int i = 0; i < ninits; i++) {
		const bsdsync_sysinit *r = inits[i];

		if (!r->module) {
			r->func(r->udata);
			continue;
		}
		int error = module_event(r->module, BSDSYNC_MOD_LOAD);
		if (!error)
			continue;
		bsdsync_print("%s: module %s: MOD_LOAD error %d; the load fails",
			      kmod, r->module->name, error);
		module_event(r->module, BSDSYNC_MOD_UNLOAD);
		unload_modules(kmod, inits, i);
		run_uninits(uninits, nuninits, r);
		return linux_errno(error);
	}
	return 0;
}

extern "C" void bsdsync_sysinit_unload(const char *kmod, const struct bsdsync_sysinit **inits,
				       int ninits, const struct bsdsync_sysinit **uninits,
				       int nuninits)
{
	sort_records(inits, ninits);
	sort_records(uninits, nuninits);
	unload_modules(kmod, inits, ninits);
	run_uninits(uninits, nuninits, nullptr);
}

extern "C" void bsdsync_sysinit_shutdown(const struct bsdsync_sysinit **inits, int ninits)
{
	sort_records(inits, ninits);
	for (int i = ninits - 1; i >= 0; i--)
		if (inits[i]->module)
			module_event(inits[i]->module, BSDSYNC_MOD_SHUTDOWN);
}
