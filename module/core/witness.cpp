/*
 * witness: the lock-order graph and its checks (core/witness.h has what is recorded when, the
 * limits, and the locking key).
 */
#include "core/witness.h"
#include "core/context_rules.h"
#include "core/spin.h"
#include "core/spinbit.h"
#include "core/thread.h"

namespace bsdsync {

const LockType *(*witness_spin_lock_type)(const void *lock) = nullptr;

namespace {

using namespace witness_limits;

constexpr int kFileBytes = 28;	/* the tail of an acquisition site's file name */
constexpr int kWords = kClasses / 64;
constexpr int kHashSlots = 2 * kClasses;
using u16 = unsigned short;

/* A site kept past the call: the caller's file name may belong to a module that unloads, so
 * its tail is copied (tail()). Reports name sites the same way, to stay one line. */
struct Site {
	char file[kFileBytes];
	int line;
};

struct Class {
	const LockType *type;			/* the key, with name: compared, never read
						   through (a test module's type may be gone) */
	char type_name[16];			/* for output (the type may be gone) */
	char name[kNameBytes];
};

/* Return addresses, newest first (n = 0: none kept). */
struct Stack {
	unsigned long pc[kStackDepth];
	int n;
};

struct Edge {
	u16 from, to;				/* class indices */
	Site from_site;				/* where the held lock was acquired */
	Site to_site;				/* where the second one was */
	Stack stack;				/* of the acquisition that recorded it */
};

struct Reversal {
	u16 held, acquired;			/* class indices: `acquired` taken with `held` held */
	Site held_site, acquired_site;
	Site order_from, order_to;		/* the first edge of the established order */
	bool duplicate;				/* same class twice, not an order */
	Stack stack;				/* of the reversing acquisition */
	Stack order_stack;			/* of the established order's first edge */
};

/* ---- state: all under witness_lock (witness.h) ---- */
IrqSpinBit witness_lock;
Class classes[kClasses];
int nclasses;
u16 class_hash[kHashSlots];		/* class index + 1, 0: free; open addressing */
u64 adj[kClasses][kWords];		/* adj[a] bit b: edge a -> b */
u64 reported[kClasses][kWords];		/* pair (a, b) reported (both bits set) */
Edge edges[kEdges];
int nedges;
Reversal reversals[kReversals];
int nreversals;
bool classes_full_said, edges_full_said;
/* The walk's scratch (one walk at a time, under the lock). */
u64 reach[kWords];
u16 parent[kClasses];
u16 queue[kClasses];

/* Thread context, serialised by the callers (witness.h). */
bool enabled;
/* Set at load (module parameters) or by the KUnit entry, read by the sink: relaxed loads and
 * stores (nothing is ordered by them: a stale read only keeps or skips one stack, or one
 * panic). */
bool keep_stacks = true;
bool panic_after_report;

/* The caller's stack, without this function and the witness frames above it (the
 * platform's wrapper and this one; the sink's own frames stay: inlining varies). */
void stack_save(Stack &st)
{
	st.n = load_relaxed(&keep_stacks) ? (int)bsdsync_stack_save(st.pc, kStackDepth, 1) : 0;
}

bool bit(const u64 *row, int i) { return row[i / 64] >> (i % 64) & 1; }
void set_bit(u64 *row, int i) { row[i / 64] |= 1ULL << (i % 64); }

/* The end of a file name that fits kFileBytes-1 characters, starting after a '/' if the
 * name is cut ("freebsd/witness_test.c", not "unit/freebsd/witness_test.c"). */
const char *tail(const char *file)
{
	return file_tail(file, kFileBytes - 1);
}

void site_set(Site &s, const char *file, int line)
{
	file = tail(file);
	int i = 0;
	for (; file[i] && i < kFileBytes - 1; i++)
		s.file[i] = file[i];
	s.file[i] = '\0';
	s.line = line;
}

/* Is `name` (a lock's) the class's name (compared on kNameBytes-1 characters)? */
bool name_is(const char *stored, const char *name)
{
	for (int i = 0; i < kNameBytes - 1; i++) {
		if (stored[i] != name[i])
			return false;
		if (!name[i])
			return true;
	}
	return true;
}

unsigned name_hash(const LockType *type, const char *name)
{
	unsigned h = 2166136261u ^ (unsigned)((uintptr)type >> 4);
	for (int i = 0; i < kNameBytes - 1 && name[i]; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return h;
}

/* The class of (type, name), created if new; -1 if the table is full. */
int class_of(const LockType *type, const char *name)
{
	if (!name)
		name = "(null)";
	unsigned slot = name_hash(type, name) % kHashSlots;
	for (int probe = 0; probe < kHashSlots; probe++, slot = (slot + 1) % kHashSlots) {
		int c = class_hash[slot] - 1;
		if (c < 0)
			break;
		if (classes[c].type == type && name_is(classes[c].name, name))
			return c;
	}
	/* `slot` is free (the hash has twice the class table's room). */
	if (nclasses == kClasses) {
		if (!classes_full_said) {
			classes_full_said = true;
			bsdsync_print("witness: %d lock classes: no more are recorded "
				      "(locks of new classes go unchecked)", kClasses);
		}
		return -1;
	}
	int c = nclasses++;
	classes[c].type = type;
	copy_str(classes[c].type_name, sizeof(classes[c].type_name), type->name);
	copy_str(classes[c].name, kNameBytes, name);
	class_hash[slot] = (u16)(c + 1);
	return c;
}

/* reach = every class a path from `from` leads to; parent[] gives each one's predecessor on
 * a shortest path. */
void walk_from(int from)
{
	for (int w = 0; w < kWords; w++)
		reach[w] = 0;
	int head = 0, tail = 0;
	queue[tail++] = (u16)from;
	while (head < tail) {
		int a = queue[head++];
		for (int w = 0; w < kWords; w++) {
			u64 next = adj[a][w] & ~reach[w];
			while (next) {
				int b = w * 64 + __builtin_ctzll(next);
				next &= next - 1;
				reach[w] |= 1ULL << (b % 64);
				parent[b] = (u16)a;
				if (b != from)
					queue[tail++] = (u16)b;
			}
		}
	}
}

const Edge *find_edge(int from, int to)
{
	for (int i = 0; i < nedges; i++)
		if (edges[i].from == from && edges[i].to == to)
			return &edges[i];
	return nullptr;
}

void add_edge(int from, int to, const char *from_file, int from_line, const char *to_file,
	      int to_line)
{
	if (bit(adj[from], to))
		return;
	if (nedges == kEdges) {
		if (!edges_full_said) {
			edges_full_said = true;
			bsdsync_print("witness: %d lock orders: no more are recorded", kEdges);
		}
		return;
	}
	Edge &e = edges[nedges++];
	e.from = (u16)from;
	e.to = (u16)to;
	site_set(e.from_site, from_file, from_line);
	site_set(e.to_site, to_file, to_line);
	stack_save(e.stack);
	set_bit(adj[from], to);
}

/* What the sink reports once the lock is released: copies, not pointers into the tables. */
struct Pending {
	const LockType *held_type;
	const void *held_lock;
	const char *held_name;
	const bsdsync_lock_site *held_init;
	char via[kNameBytes];			/* the class the established order's first
						   edge leads to (the held one: a direct edge) */
	Reversal r;
};

/* Mark the pair reported; false if it was already. Records the reversal for the list. */
bool first_report(int held, int acquired, Pending &p)
{
	if (bit(reported[acquired], held))
		return false;
	set_bit(reported[acquired], held);
	set_bit(reported[held], acquired);
	stack_save(p.r.stack);
	if (nreversals < kReversals)
		reversals[nreversals++] = p.r;
	return true;
}

bool sleepable_hold(const LockType *type, bool shared)
{
	return !held_type_nosleep(type, shared ? HoldMode::Shared : HoldMode::Exclusive);
}

void report_pending(const bsdsync_lock_event *e, const ReportSubject &subject, const Pending &p)
{
	const char *init_file = p.held_init ? tail(p.held_init->file) : "?";
	int init_line = p.held_init ? p.held_init->line : 0;
	if (p.r.duplicate) {
		report(BSDSYNC_RULE_LOCK_ORDER, subject, e->file, e->line,
		       "acquiring duplicate lock of same type: %s \"%s\" (%p, initialised at "
		       "%s:%d) is held, acquired at %s:%d", p.held_type->name, p.held_name,
		       p.held_lock, init_file, init_line, p.r.held_site.file, p.r.held_site.line);
		return;
	}
	report(BSDSYNC_RULE_LOCK_ORDER, subject, e->file, e->line,
	       "lock order reversal: %s \"%s\" (%p, initialised at %s:%d) is held, acquired at "
	       "%s:%d; the order \"%s\" before \"%s\" was first recorded at %s:%d then %s:%d",
	       p.held_type->name, p.held_name, p.held_lock, init_file, init_line,
	       p.r.held_site.file, p.r.held_site.line, subject.name, p.via,
	       p.r.order_from.file, p.r.order_from.line, p.r.order_to.file, p.r.order_to.line);
	/* The report's stack dump is the reversing acquisition's; this is the other one. */
	if (p.r.order_stack.n) {
		bsdsync_print("witness: the order \"%s\" before \"%s\" was first recorded from:",
			      subject.name, p.via);
		bsdsync_stack_print(p.r.order_stack.pc, (unsigned)p.r.order_stack.n);
	}
}

void after_report(const char *what)
{
	if (load_relaxed(&panic_after_report))
		bsdsync_panic(what);
}

/* One held lock against the new one (under witness_lock): a report to make into *p (true),
 * and the edge at ACQUIRED. With p null (the caller has no room left for a report this
 * time) a reversal is neither reported nor marked (the next event of the thread sees it
 * again) and no edge is added for it. */
bool check_held(const bsdsync_lock_event *e, int nc, unsigned new_wf, bool new_sleepable,
		const void *lock, const LockType *type, bool shared, const char *file, int line,
		Pending *p)
{
	const char *name = "(unnamed)";
	const bsdsync_lock_site *init = nullptr;
	unsigned wf = 0;
	if (!type || !type->describe)
		return false;
	type->describe(lock, &name, &init, &wf);
	if (wf & BSDSYNC_LW_NOWITNESS)
		return false;
	/* witness(4): Giant and sleepable locks in either order. */
	if (((new_wf & BSDSYNC_LW_GIANT) && sleepable_hold(type, shared)) ||
	    (new_sleepable && (wf & BSDSYNC_LW_GIANT)))
		return false;
	int hc = class_of(type, name);
	if (hc < 0)
		return false;
	bool reversed = bit(reach, hc);
	if (!p || (hc != nc && !reversed)) {
		if (!reversed && hc != nc && e->kind == BSDSYNC_LE_ACQUIRED)
			add_edge(hc, nc, file, line, e->file, e->line);
		return false;
	}
	*p = Pending{ type, lock, name, init, {}, {} };
	p->r.held = (u16)hc;
	p->r.acquired = (u16)nc;
	site_set(p->r.held_site, file, line);
	site_set(p->r.acquired_site, e->file, e->line);
	if (hc == nc) {
		if (new_wf & BSDSYNC_LW_DUPOK)
			return false;
		p->r.duplicate = true;
		return first_report(hc, nc, *p);
	}
	{
		/* The first edge of the path nc -> ... -> hc. */
		int first = hc;
		while (parent[first] != nc)
			first = parent[first];
		copy_str(p->via, kNameBytes, classes[first].name);
		if (const Edge *ed = find_edge(nc, first)) {
			p->r.order_from = ed->from_site;
			p->r.order_to = ed->to_site;
			p->r.order_stack = ed->stack;
		}
		return first_report(hc, nc, *p);
	}
}

/* The checks of an ACQUIRING or ACQUIRED event (witness.h), `interlock` skipped. */
void witness_check(const bsdsync_lock_event *e, const void *interlock)
{
	if ((e->flags & (BSDSYNC_LE_TRY | BSDSYNC_LE_RECURSE)) || !e->type || !e->type->describe)
		return;
	ThreadState *t = current_record_if_any();
	int depth = t ? t->held.depth : 0;
	if (depth > HeldLocks::kTrack)
		depth = HeldLocks::kTrack;
	/* Preemption is off (the sink's contract): this CPU's count, and with it nonzero
	 * interrupts are off too and the record is stable. */
	int nspin = bsdsync_spin_nesting();
	if (nspin > BSDSYNC_SPIN_TRACK)
		nspin = BSDSYNC_SPIN_TRACK;
	if (depth == 0 && nspin == 0)
		return;

	ReportSubject subject{ e->type->name, "(unnamed)", e->lock, nullptr };
	unsigned wf = 0;
	e->type->describe(e->lock, &subject.name, &subject.site, &wf);
	if (wf & BSDSYNC_LW_NOWITNESS)
		return;
	bool new_sleepable = sleepable_hold(e->type, e->flags & BSDSYNC_LE_SHARED);

	constexpr int kPending = 2;
	Pending pending[kPending];
	int npending = 0;
	{
		IrqSpinGuard g(witness_lock);
		int nc = class_of(e->type, subject.name);
		if (nc < 0)
			return;
		walk_from(nc);
		for (int i = 0; i < depth; i++) {
			const HeldLock &h = t->held.entry[i];
			if (!h.lock || h.lock == e->lock || h.lock == interlock ||
			    (h.flags & (HeldLock::kPlaceholder | HeldLock::kInterlock)))
				continue;
			if (check_held(e, nc, wf, new_sleepable, h.lock, h.type,
				       h.mode == HoldMode::Shared, h.file, h.line,
				       npending < kPending ? &pending[npending] : nullptr))
				npending++;
		}
		if (nspin) {
			const bsdsync_spin_held *spin = bsdsync_cpu_spin_held();
			for (int i = 0; i < nspin; i++) {
				const void *lock = spin->lock[i];
				if (!lock || lock == e->lock || lock == interlock ||
				    !witness_spin_lock_type)
					continue;
				if (check_held(e, nc, wf, new_sleepable, lock,
					       witness_spin_lock_type(lock), false,
					       "(spin: no site kept)", 0,
					       npending < kPending ? &pending[npending] : nullptr))
					npending++;
			}
		}
	}
	for (int i = 0; i < npending; i++)
		report_pending(e, subject, pending[i]);
	if (npending)
		after_report("witness: lock order reversal (witness_action=panic)");
}

/* The context rules at an acquisition (core/context_rules.h): a blockable lock with a spin
 * lock held or in a critical section, reported at ACQUIRING whether or not it will block
 * (FreeBSD's witness_checkorder); ACQUIRED ends the acquisition's mark. The caller's context
 * is the one before lock_event_emit disabled preemption (one level), in thread context only
 * (an interrupt's cells are reported by the primitive, when it would block). */
void context_event(const bsdsync_lock_event *e)
{
	if (e->kind == BSDSYNC_LE_ACQUIRED) {
		context_acquired(e->lock);
		return;
	}
	if (e->kind != BSDSYNC_LE_ACQUIRING || (e->flags & (BSDSYNC_LE_TRY | BSDSYNC_LE_RECURSE)) ||
	    !e->type)
		return;
	int ctx = context_of_sink_caller();
	if (ctx == BSDSYNC_CTX_THREAD || ctx == BSDSYNC_CTX_HARDIRQ || ctx == BSDSYNC_CTX_SOFTIRQ)
		return;
	if (context_check_acquire(e->lock, e->type, ctx, e->file, e->line))
		after_report("witness: blockable lock acquired with a spin lock held or in a "
			     "critical section (witness_action=panic)");
}

void witness_event(const bsdsync_lock_event *e)
{
	context_event(e);
	if (e->kind == BSDSYNC_LE_ACQUIRING || e->kind == BSDSYNC_LE_ACQUIRED)
		witness_check(e, nullptr);
}

constinit const bsdsync_lock_event_sink witness_sink = { "witness", witness_event };


} // namespace

bool witness_set(bool on)
{
	bool was = enabled;
	if (on && !enabled)
		enabled = bsdsync_lock_events_attach(&witness_sink) == 0;
	else if (!on && enabled) {
		bsdsync_lock_events_detach(&witness_sink);
		enabled = false;
	}
	return was;
}

bool witness_on() { return enabled; }

void witness_reset()
{
	IrqSpinGuard g(witness_lock);
	for (int c = 0; c < nclasses; c++)
		for (int w = 0; w < kWords; w++)
			adj[c][w] = reported[c][w] = 0;
	for (int s = 0; s < kHashSlots; s++)
		class_hash[s] = 0;
	nclasses = nedges = nreversals = 0;
	classes_full_said = edges_full_said = false;
}

/* Under the lock with interrupts off: the text is built in one pass (a debug read). */
unsigned long witness_dot(char *buf, unsigned long len)
{
	unsigned long pos = 0;
	if (len)
		buf[0] = '\0';
	IrqSpinGuard g(witness_lock);
	text_append(buf, len, &pos, "digraph witness {\n");
	for (int c = 0; c < nclasses; c++)
		text_append(buf, len, &pos, "\t\"%s: %s\";\n", classes[c].type_name, classes[c].name);
	for (int i = 0; i < nedges; i++) {
		const Class &a = classes[edges[i].from], &b = classes[edges[i].to];
		text_append(buf, len, &pos, "\t\"%s: %s\" -> \"%s: %s\"; /* %s:%d, %s:%d */\n",
		    a.type_name, a.name, b.type_name, b.name, edges[i].from_site.file,
		    edges[i].from_site.line, edges[i].to_site.file, edges[i].to_site.line);
	}
	text_append(buf, len, &pos, "}\n");
	return pos;
}

unsigned long witness_reversals(char *buf, unsigned long len)
{
	unsigned long pos = 0;
	if (len)
		buf[0] = '\0';
	IrqSpinGuard g(witness_lock);
	for (int i = 0; i < nreversals; i++) {
		const Reversal &r = reversals[i];
		const Class &h = classes[r.held], &a = classes[r.acquired];
		if (r.duplicate)
			text_append(buf, len, &pos, "duplicate: %s: %s held at %s:%d, another at %s:%d\n",
			    h.type_name, h.name, r.held_site.file, r.held_site.line,
			    r.acquired_site.file, r.acquired_site.line);
		else
			text_append(buf, len, &pos,
			    "reversal: %s: %s held at %s:%d, then %s: %s at %s:%d; "
			    "established at %s:%d then %s:%d\n",
			    h.type_name, h.name, r.held_site.file, r.held_site.line, a.type_name,
			    a.name, r.acquired_site.file, r.acquired_site.line, r.order_from.file,
			    r.order_from.line, r.order_to.file, r.order_to.line);
		/* The stacks (witness_stacks=1), one frame a line, newest first. */
		for (int f = 0; f < r.stack.n; f++)
			text_append(buf, len, &pos, "\tstack: %pS\n", (void *)r.stack.pc[f]);
		for (int f = 0; f < r.order_stack.n; f++)
			text_append(buf, len, &pos, "\testablished by: %pS\n", (void *)r.order_stack.pc[f]);
	}
	return pos;
}

bool witness_set_stacks(bool on)
{
	bool was = load_relaxed(&keep_stacks);
	store_relaxed(&keep_stacks, on);
	return was;
}

void witness_set_panic(bool on)
{
	store_relaxed(&panic_after_report, on);
}

void witness_checkorder(const void *lock, const LockType *type, bool shared, const char *file,
			int line, const void *interlock)
{
	if (!enabled || !type)
		return;
	bsdsync_lock_event e{ lock, type, file, line, BSDSYNC_LE_ACQUIRING,
			      (unsigned char)(shared ? BSDSYNC_LE_SHARED : 0) };
	/* As the sink runs: preemption off (this CPU's spin record stays this thread's). */
	bsdsync_preempt_disable();
	witness_check(&e, interlock);
	bsdsync_preempt_enable();
}

namespace {

/* The newest recorded hold of `lock` by the calling thread, or null. */
HeldLock *own_hold(const void *lock)
{
	ThreadState *t = current_record_if_any();
	if (!t)
		return nullptr;
	HeldLocks &h = t->held;
	int depth = h.depth < HeldLocks::kTrack ? h.depth : HeldLocks::kTrack;
	for (int i = depth - 1; i >= 0; i--)
		if (h.entry[i].lock == lock && !(h.entry[i].flags & HeldLock::kPlaceholder))
			return &h.entry[i];
	return nullptr;
}

} // namespace

bool witness_save(const void *lock, const char **file, int *line)
{
	const HeldLock *e = enabled ? own_hold(lock) : nullptr;
	*file = e ? e->file : "?";
	*line = e ? e->line : 0;
	return e != nullptr;
}

void witness_restore(const void *lock, const char *file, int line)
{
	HeldLock *e = enabled ? own_hold(lock) : nullptr;
	if (!e)
		return;
	/* Only the owning thread writes its record (core/thread.h); `line` shares a word
	 * with mode and flags, which stay. */
	e->file = file;
	e->line = line;
}

int witness_held_of(const void *state, HeldView *out, int max)
{
	const ThreadState *t = static_cast<const ThreadState *>(state);
	int depth = load_relaxed(&t->held.depth);
	int n = 0;
	if (depth > HeldLocks::kTrack)
		depth = HeldLocks::kTrack;
	for (int i = 0; i < depth && n < max; i++) {
		const HeldLock &e = t->held.entry[i];
		const void *lock = load_relaxed(&e.lock);
		const LockType *type = load_relaxed(&e.type);
		unsigned char flags = load_relaxed(&e.flags);
		if (!lock || (flags & HeldLock::kPlaceholder))
			continue;
		/* Named only if registered: a type of an unloaded module is not read. */
		out[n] = HeldView{ lock, lock_type_id(type) ? type : nullptr, load_relaxed(&e.file),
				   load_relaxed(&e.line),
				   load_relaxed(reinterpret_cast<const unsigned char *>(&e.mode)) ==
					   (unsigned char)HoldMode::Shared };
		n++;
	}
	return n;
}

} // namespace bsdsync

using namespace bsdsync;

/* platform.h: the module's load and unload (the `witness` parameter), and debugfs. */
extern "C" void bsdsync_witness_start(void)
{
	witness_set_stacks(bsdsync_param_witness_stacks());
	witness_set_panic(bsdsync_param_witness_panic());
	if (bsdsync_param_witness())
		witness_set(true);
}

extern "C" int bsdsync_witness_held_of(const void *state, bsdsync_held_lock *out, int max)
{
	HeldView held[HeldLocks::kTrack];
	int n = witness_held_of(state, held, max < HeldLocks::kTrack ? max : HeldLocks::kTrack);
	for (int i = 0; i < n; i++)
		out[i] = bsdsync_held_lock{ held[i].lock, held[i].type, held[i].file, held[i].line,
					    held[i].shared };
	return n;
}
extern "C" void bsdsync_witness_stop(void)
{
	witness_set(false);
}

extern "C" unsigned long bsdsync_witness_dot(char *buf, unsigned long len)
{
	return witness_dot(buf, len);
}

extern "C" unsigned long bsdsync_witness_reversals(char *buf, unsigned long len)
{
	return witness_reversals(buf, len);
}

extern "C" void bsdsync_witness_reset(void)
{
	witness_reset();
}
