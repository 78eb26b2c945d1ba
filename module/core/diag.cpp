#include "core/diag.h"

extern "C" int vsnprintf(char *buf, unsigned long size, const char *fmt, __builtin_va_list args);

namespace bsdsync {

namespace {
constinit unsigned long report_counts[BSDSYNC_RULE_COUNT];

const char *const rule_names[BSDSYNC_RULE_COUNT] = {
	"unlock by a thread that does not own the lock",
	"recursion on a non-recursive lock",
	"destroy of a lock that is held or waited on",
	"use of a destroyed lock",
	"use of a lock that was never initialised",
	"initialisation of a lock that is already initialised",
	"operation of the wrong lock class",
	"sleeping where sleeping is forbidden",
	"blocking in interrupt context",
	"sleeping with a recursed interlock",
	"untimed sleep without an interlock",
	"invalid argument",
	"assertion failed",
	"spin lock held too long",
	"destroy while threads still wait",
	"sleeping with a non-sleepable lock held",
	"operation not allowed on a recursed lock",
	"thread exited holding a lock",
	"module unload refused (Linux unloads it anyway)",
	"lock order",
};
} // namespace

void report(bsdsync_rule rule, const ReportSubject &s, const char *file, int line,
	    const char *what, ...)
{
	char detail[320];	/* room for a lock-order report's two locks and three sites */
	__builtin_va_list ap;
	thread *td = curthread();

	__builtin_va_start(ap, what);
	vsnprintf(detail, sizeof(detail), what, ap);
	__builtin_va_end(ap);

	/* A subject with neither address nor init site (a KASSERT's expression, a message) is
	 * named alone. */
	if (!s.addr && !s.site)
		bsdsync_print("%s: %s \"%s\": %s; at %s:%d by %s[%d]", rule_names[rule], s.kind,
			      s.name ? s.name : "(null)", detail, file ? file : "?", line,
			      bsdsync_thread_comm(td), bsdsync_thread_tid(td));
	else
		bsdsync_print("%s: %s \"%s\" (%p, initialised at %s:%d): %s; at %s:%d by %s[%d]",
			      rule_names[rule], s.kind, s.name ? s.name : "(null)", s.addr,
			      s.site ? s.site->file : "?", s.site ? s.site->line : 0, detail,
			      file ? file : "?", line, bsdsync_thread_comm(td),
			      bsdsync_thread_tid(td));
	bsdsync_dump_stack();
	/* Counted once the report is out: a test that waits for the count (a report made by
	 * another thread) then never has the stack dump interleave with its own output. */
	__atomic_fetch_add(&report_counts[rule], 1, __ATOMIC_RELEASE);
}

void text_append(char *buf, unsigned long len, unsigned long *pos, const char *fmt, ...)
{
	char tmp[256];
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	int n = bsdsync_vsnprintf(tmp, sizeof(tmp), fmt, ap);
	__builtin_va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(tmp))
		n = sizeof(tmp) - 1;
	for (int i = 0; i < n; i++, (*pos)++)
		if (*pos + 1 < len)
			buf[*pos] = tmp[i];
	if (len)
		buf[*pos < len ? *pos : len - 1] = '\0';
}

const char *file_tail(const char *file, unsigned long max)
{
	if (!file)
		return "?";
	unsigned long n = __builtin_strlen(file);
	if (n <= max)
		return file;
	const char *t = file + n - max;
	for (const char *p = t; *p; p++)
		if (*p == '/')
			return p + 1;
	return t;
}

void copy_str(char *dst, int size, const char *src)
{
	int i = 0;
	for (; src && src[i] && i < size - 1; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

} // namespace bsdsync

using namespace bsdsync;

extern "C" unsigned long bsdsync_report_count(enum bsdsync_rule rule)
{
	if ((unsigned)rule >= BSDSYNC_RULE_COUNT)
		return 0;
	return load_relaxed(&report_counts[rule]);
}

extern "C" unsigned long bsdsync_report_total(void)
{
	unsigned long total = 0;
	for (unsigned i = 0; i < BSDSYNC_RULE_COUNT; i++)
		total += load_relaxed(&report_counts[i]);
	return total;
}
