/*
 * Lock profiling: the class table and the sink (core/lock_profile.h has what is measured, the
 * limits and the locking key).
 */
#include "core/lock_profile.h"
#include "core/spinbit.h"
#include "core/thread.h"

namespace bsdsync {

namespace {

using namespace profile_limits;

constexpr int kFileBytes = 28;	/* the tail of an init site's file name */
constexpr int kHashSlots = 2 * kClasses;

struct Class {
	const LockType *type;		/* the key, with name and init site: compared, never
					   read through (a test module's type may be gone) */
	char type_name[16];		/* for output */
	char name[kNameBytes];
	char init_file[kFileBytes];	/* a copy: the site's module may unload */
	int init_line;
	ProfileStats s;
};

/* ---- state: under profile_lock (lock_profile.h) ---- */
IrqSpinBit profile_lock;
Class classes[kClasses];
int nclasses;
short class_hash[kHashSlots];		/* class index + 1, 0: free; open addressing */
u64 rejected;
unsigned generation = 1;

/* Written in thread context, serialised by the callers (lock_profile.h); read by the spin
 * loops' SpinCount in any context (relaxed). */
bool enabled;

/* The end of a file name that fits kFileBytes-1 characters (as witness names sites). */
const char *tail(const char *file)
{
	return file_tail(file, kFileBytes - 1);
}

/* Is `s` (a lock's) the stored string (compared on size-1 characters)? */
bool same_str(const char *stored, const char *s, int size)
{
	for (int i = 0; i < size - 1; i++) {
		if (stored[i] != s[i])
			return false;
		if (!s[i])
			return true;
	}
	return true;
}

unsigned class_hash_of(const LockType *type, const char *name, const char *file, int line)
{
	unsigned h = 2166136261u ^ (unsigned)((uintptr)type >> 4) ^ (unsigned)line * 31u;
	for (int i = 0; i < kNameBytes - 1 && name[i]; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	for (int i = 0; i < kFileBytes - 1 && file[i]; i++)
		h = (h ^ (unsigned char)file[i]) * 16777619u;
	return h;
}

/* The class of (type, name, init site), created if new; -1 if the table is full. Under
 * profile_lock. */
int class_of(const LockType *type, const char *name, const bsdsync_lock_site *site)
{
	if (!name)
		name = "(null)";
	const char *file = site ? tail(site->file) : "?";
	int line = site ? site->line : 0;
	unsigned slot = class_hash_of(type, name, file, line) % kHashSlots;
	for (int probe = 0; probe < kHashSlots; probe++, slot = (slot + 1) % kHashSlots) {
		int c = class_hash[slot] - 1;
		if (c < 0)
			break;
		const Class &k = classes[c];
		if (k.type == type && k.init_line == line && same_str(k.name, name, kNameBytes) &&
		    same_str(k.init_file, file, kFileBytes))
			return c;
	}
	/* `slot` is free (the hash has twice the class table's room). */
	if (nclasses == kClasses) {
		rejected++;
		return -1;
	}
	int c = nclasses++;
	Class &k = classes[c];
	k = Class{};
	k.type = type;
	copy_str(k.type_name, sizeof(k.type_name), type->name);
	copy_str(k.name, kNameBytes, name);
	copy_str(k.init_file, kFileBytes, file);
	k.init_line = line;
	class_hash[slot] = (short)(c + 1);
	return c;
}

void max_in(u64 &max, u64 v)
{
	if (v > max)
		max = v;
}

/* A hold begins: into the thread's table, the oldest entry dropped if it is full. */
void hold_push(ProfileThread &p, const void *lock, bool shared, u64 now, unsigned gen, int cls)
{
	if (p.nholds == ProfileThread::kHolds) {
		for (int i = 1; i < ProfileThread::kHolds; i++)
			p.hold[i - 1] = p.hold[i];
		p.nholds--;
	}
	p.hold[p.nholds++] = ProfileThread::Hold{ lock, now, gen, (short)cls,
						  (unsigned char)shared, 0 };
}

/* A hold ends: its entry (the newest of that lock and mode) taken out, or false. */
bool hold_pop(ProfileThread &p, const void *lock, bool shared, ProfileThread::Hold *out)
{
	for (int i = p.nholds - 1; i >= 0; i--) {
		if (p.hold[i].lock != lock || p.hold[i].shared != shared)
			continue;
		*out = p.hold[i];
		for (int j = i + 1; j < p.nholds; j++)
			p.hold[j - 1] = p.hold[j];
		p.nholds--;
		return true;
	}
	return false;
}

void profile_event(const bsdsync_lock_event *e)
{
	if (!e->type || (e->flags & BSDSYNC_LE_RECURSE))
		return;
	bool shared = e->flags & BSDSYNC_LE_SHARED;
	/* Created if the thread has none yet: a thread's first lock operation may be a
	 * contended one, whose CONTENDED comes before the hold's record (GFP_ATOMIC, thread
	 * context only; null in interrupt context). */
	ThreadState *t = e->kind == BSDSYNC_LE_RELEASED ? current_record_if_any() : current_record();
	ProfileThread *p = t ? &t->profile : nullptr;

	if (e->kind == BSDSYNC_LE_ACQUIRING) {
		/* A new attempt: a wait left over from an attempt that gave up ends here.
		 * (Not its spins: a serializer's adaptive enter polls before its ACQUIRING.) */
		if (p)
			p->waiting = nullptr;
		return;
	}
	if (e->kind == BSDSYNC_LE_RELEASED) {
		ProfileThread::Hold h;
		if (!p || !hold_pop(*p, e->lock, shared, &h))
			return;
		u64 now = bsdsync_uptime_ns();
		IrqSpinGuard g(profile_lock);
		if (h.generation != generation || now < h.since)
			return;
		ProfileStats &s = classes[h.cls].s;
		u64 held = now - h.since;
		s.holds++;
		s.hold_total += held;
		max_in(s.hold_max, held);
		return;
	}

	/* CONTENDED or ACQUIRED: the lock's class. */
	const char *name = "(unnamed)";
	const bsdsync_lock_site *site = nullptr;
	if (e->type->describe)
		e->type->describe(e->lock, &name, &site, nullptr);
	u64 now = bsdsync_uptime_ns();
	IrqSpinGuard g(profile_lock);
	int c = class_of(e->type, name, site);
	if (c < 0)
		return;
	ProfileStats &s = classes[c].s;
	if (e->kind == BSDSYNC_LE_CONTENDED) {
		s.contentions++;
		/* The first CONTENDED of an acquisition starts its wait. */
		if (p && p->waiting != e->lock) {
			p->waiting = e->lock;
			p->wait_since = now;
		}
		return;
	}
	if (e->kind != BSDSYNC_LE_ACQUIRED)
		return;
	s.acquisitions++;
	if (p) {
		s.spins += load_relaxed(&p->spins);
		store_relaxed(&p->spins, 0UL);
	}
	if (p && p->waiting == e->lock && !(e->flags & BSDSYNC_LE_TRY)) {
		u64 waited = now >= p->wait_since ? now - p->wait_since : 0;
		s.contended++;
		s.wait_total += waited;
		max_in(s.wait_max, waited);
	}
	if (p) {
		p->waiting = nullptr;
		hold_push(*p, e->lock, shared, now, generation, c);
	}
}

constinit const bsdsync_lock_event_sink profile_sink = { "lock_prof", profile_event };


} // namespace

unsigned long *lock_profile_spin_counter(unsigned long *scratch)
{
	if (!load_relaxed(&enabled))
		return scratch;
	ThreadState *t = current_record_if_any();
	return t ? &t->profile.spins : scratch;
}

bool lock_profile_set(bool on)
{
	bool was = enabled;
	if (on && !enabled) {
		{
			IrqSpinGuard g(profile_lock);
			generation++;
		}
		store_relaxed(&enabled, bsdsync_lock_events_attach(&profile_sink) == 0);
	} else if (!on && enabled) {
		bsdsync_lock_events_detach(&profile_sink);
		store_relaxed(&enabled, false);
	}
	return was;
}

bool lock_profile_on() { return enabled; }

void lock_profile_reset()
{
	IrqSpinGuard g(profile_lock);
	for (int s = 0; s < kHashSlots; s++)
		class_hash[s] = 0;
	nclasses = 0;
	rejected = 0;
	generation++;
}

/* Under the lock with interrupts off: the text is built in one pass (a debug read). */
unsigned long lock_profile_stats(char *buf, unsigned long len)
{
	unsigned long pos = 0;
	if (len)
		buf[0] = '\0';
	IrqSpinGuard g(profile_lock);
	/* FreeBSD's header and columns (debug.lock.prof.stats), times in microseconds, and
	 * one more before the name: spins (the class's spin iterations; FreeBSD's table has
	 * no such column, its lockstat(1) has the spin counts). */
	text_append(buf, len, &pos, "%8s %9s %11s %11s %11s %6s %6s %8s %8s %11s %s\n", "max",
	    "wait_max", "total", "wait_total", "count", "avg", "wait_avg", "cnt_hold", "cnt_lock",
	    "spins", "name");
	for (int c = 0; c < nclasses; c++) {
		const Class &k = classes[c];
		const ProfileStats &s = k.s;
		text_append(buf, len, &pos, "%8llu %9llu %11llu %11llu %11llu %6llu %6llu %8llu %8llu "
		    "%11llu %s:%d (%s:%s)\n", s.hold_max / 1000, s.wait_max / 1000,
		    s.hold_total / 1000, s.wait_total / 1000, s.acquisitions,
		    s.holds ? s.hold_total / (s.holds * 1000) : 0,
		    s.acquisitions ? s.wait_total / (s.acquisitions * 1000) : 0, s.contentions,
		    s.contended, s.spins, k.init_file, k.init_line, k.type_name, k.name);
	}
	if (rejected)
		text_append(buf, len, &pos, "rejected: %llu acquisitions of classes beyond the %d kept\n",
		    rejected, kClasses);
	return pos;
}

bool lock_profile_class(const char *type_name, const char *name, ProfileStats *o)
{
	IrqSpinGuard g(profile_lock);
	for (int c = 0; c < nclasses; c++) {
		if (same_str(classes[c].type_name, type_name, sizeof(classes[c].type_name)) &&
		    same_str(classes[c].name, name, kNameBytes)) {
			*o = classes[c].s;
			return true;
		}
	}
	return false;
}

} // namespace bsdsync

using namespace bsdsync;

/* platform.h: the module's load and unload (the `lock_prof` parameter), and debugfs. */
extern "C" void bsdsync_lock_prof_start(void)
{
	if (bsdsync_param_lock_prof())
		lock_profile_set(true);
}

extern "C" void bsdsync_lock_prof_stop(void)
{
	lock_profile_set(false);
}

extern "C" int bsdsync_lock_prof_enable(int on)
{
	return lock_profile_set(on);
}

extern "C" int bsdsync_lock_prof_enabled(void)
{
	return lock_profile_on();
}

extern "C" unsigned long bsdsync_lock_prof_stats(char *buf, unsigned long len)
{
	return lock_profile_stats(buf, len);
}

extern "C" void bsdsync_lock_prof_reset(void)
{
	lock_profile_reset();
}
