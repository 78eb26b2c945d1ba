/*
 * Misuse reports. FreeBSD panics (INVARIANTS, WITNESS) where a rule is broken; a loadable
 * module on Linux must not take the machine down, so bsdsync prints one report naming the
 * lock, its init site, the rule and the caller, dumps the stack, counts the report per rule,
 * and lets the caller go on in the least harmful way the primitive documents at the call.
 */
#ifndef BSDSYNC_CORE_DIAG_H
#define BSDSYNC_CORE_DIAG_H

#include <bsdsync/report.h>
#include "core/base.h"

namespace bsdsync {

struct ReportSubject {
	const char *kind;			/* "sleep mutex", "condvar", ... */
	const char *name;			/* the lock's name */
	const void *addr;
	const bsdsync_lock_site *site;	/* may be null */
};

/* One report: `what` is a printf-style explanation of the broken rule; file/line name the
 * caller (may be null/0). Never returns early, never panics. */
BSDSYNC_COLD void report(bsdsync_rule rule, const ReportSubject &subject, const char *file,
			 int line, const char *what, ...) __attribute__((format(printf, 5, 6)));

/* printf-style text appended to buf (len bytes) at *pos, always NUL-terminated; *pos counts
 * what would not fit too, so a caller can tell how much room it needed (the debugfs texts of
 * witness and lock profiling). One piece is at most 255 characters. */
void text_append(char *buf, unsigned long len, unsigned long *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The end of a file name that fits `max` characters, starting after a '/' if the name is
 * cut ("freebsd/witness_test.c", not "unit/freebsd/witness_test.c"); "?" for none. */
const char *file_tail(const char *file, unsigned long max);
/* src (null: empty) into dst of `size` bytes, cut to size-1 characters, NUL-terminated. */
void copy_str(char *dst, int size, const char *src);

} // namespace bsdsync

#endif
