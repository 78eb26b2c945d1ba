/*
 * bsdsync C ABI: DragonFly lock(9), the lockmgr lock (<sys/lock.h>), as modern DragonFly
 * has it (kern_lock.c of 2013-2017): lockinit(lkp, wmesg, timo, flags) without priority,
 * lockmgr(lkp, flags) without interlock, the operation an enumeration in the low nibble.
 * FreeBSD's lockmgr is another lock with another layout: in C a driver sees only its own
 * personality's `struct lock`; the C++ module keeps this one in namespace bsdsync::dfly and
 * exports every function with the dfly_ prefix.
 *
 * The layout is DragonFly's (amd64): lk_flags (lockinit's sticky LK_EXTFLG_MASK flags),
 * lk_timo (ticks, for LK_TIMELOCK), lk_count (the word), lk_wmesg, lk_lockholder (the
 * exclusive holder, or NULL); bsdsync adds lk_site (lockinit's call site, for reports). The word keeps DragonFly's field masks:
 *
 *   LKC_SMASK   bits 32..63  shared count (LKC_SCOUNT each)
 *   LKC_EXREQ   0x40000000   exclusive requests may be queued on the lock
 *   LKC_SHARED  0x20000000   the count is shared holds (set while SMASK != 0)
 *   LKC_UPREQ   0x10000000   a sharer waits to upgrade: it is the next owner; no new
 *                            request (shared or exclusive) enters meanwhile
 *   LKC_SHREQ   0x08000000   shared requests may be queued on the lock (bsdsync's use of
 *                            DragonFly's EXREQ2 bit: DragonFly's sleepers wait on the
 *                            word itself, bsdsync's on a wait queue that needs a bit)
 *   LKC_CANCEL  0x04000000   LK_CANCEL_BEG in effect: LK_CANCELABLE requests fail (ENOLCK)
 *   LKC_XMASK   0x03FFFFFF   exclusive count (recursion depth of lk_lockholder)
 *   UNRECORDED  0x80000000   (bsdsync's) with an exclusive count of 1: a hold a driver's
 *                            production build took inline (<sys/lock.h>), not in the
 *                            holder's held-locks stack yet (the module records it, "adopts"
 *                            it, at the holder's next call: module/dragonfly/sleep_lock.h)
 *
 * module/dragonfly/sleep_lock.h has the transitions (the engine DragonFly's lockmgr and mtx
 * share); module/dragonfly/lockmgr.cpp the operations.
 */
#ifndef _BSDSYNC_DRAGONFLY_LOCK_H_
#define _BSDSYNC_DRAGONFLY_LOCK_H_

#include <bsdsync/types.h>
#include <bsdsync/errno.h>
#include <bsdsync/report.h>

BSDSYNC_DRAGONFLY_ABI_BEGIN

/* Operations (lockmgr's flags & LK_TYPE_MASK). */
#define BSDSYNC_DFLY_LK_TYPE_MASK	0x0000000f
#define BSDSYNC_DFLY_LK_SHARED		0x00000001
#define BSDSYNC_DFLY_LK_EXCLUSIVE	0x00000002
#define BSDSYNC_DFLY_LK_UPGRADE		0x00000003
#define BSDSYNC_DFLY_LK_EXCLUPGRADE	0x00000004
#define BSDSYNC_DFLY_LK_DOWNGRADE	0x00000005
#define BSDSYNC_DFLY_LK_RELEASE		0x00000006
#define BSDSYNC_DFLY_LK_WAITUPGRADE	0x00000007
#define BSDSYNC_DFLY_LK_EXCLOTHER	0x00000008	/* lockstatus() only */
#define BSDSYNC_DFLY_LK_CANCEL_BEG	0x00000009
#define BSDSYNC_DFLY_LK_CANCEL_END	0x0000000a
/* External flags: given to lockinit they hold for every call. */
#define BSDSYNC_DFLY_LK_EXTFLG_MASK	0x070000F0
#define BSDSYNC_DFLY_LK_NOWAIT		0x00000010
#define BSDSYNC_DFLY_LK_SLEEPFAIL	0x00000020
#define BSDSYNC_DFLY_LK_CANRECURSE	0x00000040
#define BSDSYNC_DFLY_LK_NOCOLLSTATS	0x00000080
#define BSDSYNC_DFLY_LK_CANCELABLE	0x01000000
#define BSDSYNC_DFLY_LK_TIMELOCK	0x02000000
#define BSDSYNC_DFLY_LK_PCATCH		0x04000000
/* Control flags (per call). */
#define BSDSYNC_DFLY_LK_FAILRECLAIM	0x00010000
#define BSDSYNC_DFLY_LK_RETRY		0x00020000

/* The word. */
#define BSDSYNC_DFLY_LKC_EXREQ		0x0000000040000000ULL
#define BSDSYNC_DFLY_LKC_SHARED		0x0000000020000000ULL
#define BSDSYNC_DFLY_LKC_UPREQ		0x0000000010000000ULL
#define BSDSYNC_DFLY_LKC_SHREQ		0x0000000008000000ULL
#define BSDSYNC_DFLY_LKC_EXREQ2		BSDSYNC_DFLY_LKC_SHREQ
#define BSDSYNC_DFLY_LKC_CANCEL		0x0000000004000000ULL
#define BSDSYNC_DFLY_LKC_XMASK		0x0000000003FFFFFFULL
#define BSDSYNC_DFLY_LKC_SMASK		0xFFFFFFFF00000000ULL
#define BSDSYNC_DFLY_LKC_SCOUNT		0x0000000100000000ULL
#define BSDSYNC_DFLY_LKC_UNRECORDED	0x0000000080000000ULL

struct lock {
	unsigned int lk_flags;		/* lockinit's flags & LK_EXTFLG_MASK */
	int lk_timo;			/* LK_TIMELOCK's timeout, ticks */
	volatile unsigned long long lk_count;	/* the word above */
	const char *lk_wmesg;		/* the name: reports, and the wait message */
	void *volatile lk_lockholder;	/* the exclusive holder (a thread), or NULL */
	const struct bsdsync_lock_site *lk_site;	/* bsdsync: lockinit's call site */
};
BSDSYNC_ABI_SIZE(struct lock, 40);
BSDSYNC_ABI_OFFSET(struct lock, lk_count, 8);
BSDSYNC_ABI_OFFSET(struct lock, lk_wmesg, 16);
BSDSYNC_ABI_OFFSET(struct lock, lk_lockholder, 24);

/* The thread's count of its shared lockmgr holds, index BSDSYNC_DFLY_LK_COUNT of its record's
 * DragonFly counts (<bsdsync/inline_abi.h> BSDSYNC_TD_DFLY_COUNTS; <bsdsync/inline_td.h>: the low bits the holds the inline LK_SHARED of a driver
 * built for production took, above them, in units of BSDSYNC_TD_COUNT_RECORDED, the ones
 * the module recorded). DragonFly keeps no such count: module/dragonfly/sleep_lock.h says
 * why bsdsync does. */
#define BSDSYNC_DFLY_LK_COUNT		0

/* LOCK_SYSINIT's record. */
struct dfly_lock_args {
	struct lock *la_lock;
	const char *la_desc;
	unsigned int la_flags;
	const struct bsdsync_lock_site *la_site;
};

/* file/line: the caller, for reports and lock events. */
void dfly_lockinit(struct lock *lkp, const char *wmesg, int timo, int flags,
		   const struct bsdsync_lock_site *site);
void dfly_lockreinit(struct lock *lkp, const char *wmesg, int timo, int flags,
		     const struct bsdsync_lock_site *site);
void dfly_lockuninit(struct lock *lkp, const char *file, int line);
/* 0, or EBUSY (LK_NOWAIT, EXCLUPGRADE conflict), ENOLCK (LK_SLEEPFAIL after a sleep,
 * LK_CANCELABLE after LK_CANCEL_BEG), EINTR / ERESTART (LK_PCATCH), EWOULDBLOCK
 * (LK_TIMELOCK), EINVAL (misuse, reported). On an error nothing is held (a failed upgrade
 * has released its shared hold). */
int dfly_lockmgr(struct lock *lkp, unsigned int flags, const char *file, int line);
/* LK_EXCLUSIVE / LK_EXCLOTHER / LK_SHARED / 0; td NULL: any exclusive holder is
 * LK_EXCLUSIVE; else td is a thread (Linux's current: lk_lockholder holds that). */
int dfly_lockstatus(struct lock *lkp, const void *td);
/* Exclusively held by the caller, or shared-held (by anyone: DragonFly cannot tell). */
int dfly_lockowned(struct lock *lkp);
/* lksleep: tsleep with the lock as interlock: queued (tsleep_interlock), the caller's hold
 * released (LK_RELEASE), asleep, then the lock taken back EXCLUSIVELY (as DragonFly). */
int dfly_lksleep(const volatile void *ident, struct lock *lkp, int flags, const char *wmesg,
		 int timo, const char *file, int line);
/* lk_lockholder of a disowned lock (lockmgr_kernproc): any thread may release it. */
#define BSDSYNC_DFLY_LK_KERNTHREAD	((void *)-2)
/* The exclusive holder disowns the lock (it stays held, by LK_KERNTHREAD). */
void dfly_lockmgr_kernproc(struct lock *lkp, const char *file, int line);
void dfly_lock_sysinit(const void *arg);
void dfly_lock_sysuninit(const void *arg);

BSDSYNC_DRAGONFLY_ABI_END

#endif
