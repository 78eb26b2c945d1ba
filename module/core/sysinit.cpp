/*
 * SYSINIT/SYSUNINIT ordering (include/bsdsync/sysinit.h). The platform's module notifier
 * finds a loading module's records; this runs them in FreeBSD's order.
 */
#include <bsdsync/sysinit.h>
#include "core/base.h"

namespace {

bool before(const bsdsync_sysinit *a, const bsdsync_sysinit *b)
{
	if (a->subsystem != b->subsystem)
		return a->subsystem < b->subsystem;
	return a->order < b->order;
}

} // namespace

extern "C" void bsdsync_run_sysinits(const struct bsdsync_sysinit **records, int count,
				     int uninit)
{
	/* Insertion sort: a module has a handful of records, and the sort must be stable so
	 * equal keys keep their symbol-table order. */
	for (int i = 1; i < count; i++) {
		const bsdsync_sysinit *r = records[i];
		int j = i - 1;
		while (j >= 0 && before(r, records[j])) {
			records[j + 1] = records[j];
			j--;
		}
		records[j + 1] = r;
	}
	if (uninit) {
		for (int i = count - 1; i >= 0; i--)
			records[i]->func(records[i]->udata);
	} else {
		for (int i = 0; i < count; i++)
			records[i]->func(records[i]->udata);
	}
}
