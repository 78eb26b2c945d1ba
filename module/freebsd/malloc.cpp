/*
 * FreeBSD malloc(9) over kmalloc (kernel_services.c). The rules are in
 * include/bsdsync/freebsd/malloc.h: M_NOWAIT never sleeps and may fail; M_WAITOK may sleep and
 * retries until it succeeds; M_WAITOK where sleeping is not allowed is one report and
 * becomes M_NOWAIT.
 */
#include <bsdsync/freebsd/malloc.h>
#include "core/thread.h"
#include "core/diag.h"

using namespace bsdsync;
using namespace bsdsync::fbsd;

extern "C" {
constinit struct malloc_type fbsd_M_CACHE[1] = { { "cache", BSDSYNC_M_MAGIC } };
constinit struct malloc_type fbsd_M_DEVBUF[1] = { { "devbuf", BSDSYNC_M_MAGIC } };
constinit struct malloc_type fbsd_M_TEMP[1] = { { "temp", BSDSYNC_M_MAGIC } };
constinit struct malloc_type fbsd_M_IOV[1] = { { "iov", BSDSYNC_M_MAGIC } };
constinit struct malloc_type fbsd_M_SUBPROC[1] = { { "subproc", BSDSYNC_M_MAGIC } };
}

namespace {

ReportSubject type_subject(const struct malloc_type *type)
{
	return ReportSubject{ "malloc type", type ? type->ks_shortdesc : "(null)", type, nullptr };
}

/*
 * Whether this M_* request may sleep. Exactly one of M_WAITOK and M_NOWAIT is required (a
 * report otherwise); M_WAITOK where blocking is forbidden is reported by may_block and
 * served without sleeping; with a non-sleepable lock held it is reported and sleeps anyway
 * (a Linux allocation may sleep under a bsdsync mtx, which is not a spinning lock).
 */
bool may_sleep_for(const struct malloc_type *type, int flags, const char *what,
		   const char *file, int line)
{
	int wait = flags & (BSDSYNC_M_WAITOK | BSDSYNC_M_NOWAIT);
	if (unlikely(wait != BSDSYNC_M_WAITOK && wait != BSDSYNC_M_NOWAIT)) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, type_subject(type), file, line,
		       "%s: flags %#x must have exactly one of M_WAITOK and M_NOWAIT (%s)", what,
		       flags, wait ? "served as M_NOWAIT" : "served as M_WAITOK");
		wait = wait ? BSDSYNC_M_NOWAIT : BSDSYNC_M_WAITOK;
	}
	if (wait == BSDSYNC_M_NOWAIT)
		return false;
	if (!may_block(type_subject(type), nullptr, what, "allocated as M_NOWAIT", file, line))
		return false;
	check_may_sleep_with_locks(nullptr, what, file, line);
	return true;
}

/* An M_WAITOK request kmalloc can never satisfy would retry for ever: reported, NULL
 * (FreeBSD panics). */
bool never_satisfiable(bool sleep, unsigned long size, const struct malloc_type *type,
		       const char *what, const char *file, int line)
{
	if (likely(!sleep || size <= bsdsync_kmalloc_max()))
		return false;
	report(BSDSYNC_RULE_BAD_ARGUMENT, type_subject(type), file, line,
	       "%s(%lu, M_WAITOK) is larger than kmalloc can ever give (%lu): NULL", what, size,
	       bsdsync_kmalloc_max());
	return true;
}

} // namespace

extern "C" {

void *fbsd_malloc(unsigned long size, struct malloc_type *type, int flags, const char *file,
		  int line)
{
	bool sleep = may_sleep_for(type, flags, "malloc(M_WAITOK)", file, line);
	bool zero = (flags & BSDSYNC_M_ZERO) != 0;

	if (unlikely(never_satisfiable(sleep, size, type, "malloc", file, line)))
		return nullptr;
	for (;;) {
		void *p = bsdsync_kmalloc(size, sleep, zero);
		if (p || !sleep)
			return p;
		bsdsync_alloc_backoff();
	}
}

void *fbsd_mallocarray(unsigned long nmemb, unsigned long size, struct malloc_type *type,
		       int flags, const char *file, int line)
{
	unsigned long bytes;
	if (unlikely(__builtin_mul_overflow(nmemb, size, &bytes))) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, type_subject(type), file, line,
		       "mallocarray(%lu, %lu) overflows: NULL", nmemb, size);
		return nullptr;
	}
	return fbsd_malloc(bytes, type, flags, file, line);
}

void fbsd_free(void *addr, struct malloc_type *type)
{
	bsdsync_kfree(addr);
}

void fbsd_zfree(void *addr, struct malloc_type *type)
{
	bsdsync_kfree_sensitive(addr);
}

void *fbsd_realloc(void *addr, unsigned long size, struct malloc_type *type, int flags,
		   const char *file, int line)
{
	if (!addr)
		return fbsd_malloc(size, type, flags, file, line);
	bool sleep = may_sleep_for(type, flags, "realloc(M_WAITOK)", file, line);
	if (unlikely(never_satisfiable(sleep, size, type, "realloc", file, line)))
		return nullptr;
	for (;;) {
		void *p = bsdsync_krealloc(addr, size, sleep);
		if (p || !sleep)
			return p;
		bsdsync_alloc_backoff();
	}
}

void *fbsd_reallocf(void *addr, unsigned long size, struct malloc_type *type, int flags,
		    const char *file, int line)
{
	void *p = fbsd_realloc(addr, size, type, flags, file, line);
	if (!p)
		fbsd_free(addr, type);
	return p;
}

void bsdsync_malloc_fail_next(int count)
{
	bsdsync_kmalloc_fail_next(count);
}

} // extern "C"
