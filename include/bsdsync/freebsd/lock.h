/*
 * bsdsync C ABI, FreeBSD personality: the lock object every FreeBSD lock starts with, its
 * flags and class indexes, the assertion flags (the init-site records and the misuse report
 * rules are neutral: <bsdsync/report.h>).
 * Plain C and C++, no Linux header.
 */
#ifndef _BSDSYNC_FREEBSD_LOCK_H_
#define _BSDSYNC_FREEBSD_LOCK_H_

#include <bsdsync/report.h>

BSDSYNC_FREEBSD_ABI_BEGIN

/* FreeBSD <sys/_lock.h>, same field order and size (24 bytes + the site pointer that takes
 * the place of lo_witness). */
struct lock_object {
	const char *lo_name;		/* the lock's name; the pointer is stored, not copied */
	unsigned int lo_flags;		/* LO_* | class index << LO_CLASSSHIFT */
	unsigned int lo_data;		/* class-specific: the recursion count of mtx */
	const struct bsdsync_lock_site *lo_site;	/* where it was initialised */
};
/* FreeBSD's layout on amd64 (lo_site where lo_witness is). */
BSDSYNC_ABI_SIZE(struct lock_object, 24);
BSDSYNC_ABI_OFFSET(struct lock_object, lo_name, 0);
BSDSYNC_ABI_OFFSET(struct lock_object, lo_flags, 8);
BSDSYNC_ABI_OFFSET(struct lock_object, lo_data, 12);
BSDSYNC_ABI_OFFSET(struct lock_object, lo_site, 16);

/* lock_class flags (FreeBSD values). */
#define LC_SLEEPLOCK	0x00000001
#define LC_SPINLOCK	0x00000002
#define LC_SLEEPABLE	0x00000004
#define LC_RECURSABLE	0x00000008
#define LC_UPGRADABLE	0x00000010

/* lock_object flags (FreeBSD values). */
#define LO_CLASSFLAGS	0x0000ffff
#define LO_INITIALIZED	0x00010000
#define LO_WITNESS	0x00020000
#define LO_QUIET	0x00040000
#define LO_RECURSABLE	0x00080000
#define LO_SLEEPABLE	0x00100000
#define LO_UPGRADABLE	0x00200000
#define LO_DUPOK	0x00400000
#define LO_IS_VNODE	0x00800000
#define LO_CLASSMASK	0x0f000000
#define LO_NOPROFILE	0x10000000
#define LO_NEW		0x20000000
#define LO_CLASSSHIFT	24

/* Class indexes stored in LO_CLASSMASK. 0 means "not a live lock" (never initialised, or
 * destroyed). */
#define BSDSYNC_CLASS_NONE		0
#define BSDSYNC_CLASS_MTX_SLEEP		1
#define BSDSYNC_CLASS_MTX_SPIN		2
#define BSDSYNC_CLASS_SX		3
#define BSDSYNC_CLASS_RW		4
#define BSDSYNC_CLASS_RM		5
#define BSDSYNC_CLASS_RM_SLEEPABLE	6
#define BSDSYNC_CLASS_LOCKMGR		7
#define BSDSYNC_CLASS_RMS		8	/* rms_*: FreeBSD has no lock class for it */

/* Per-operation flags (FreeBSD LOP_*). */
#define LOP_NEWORDER	0x00000001
#define LOP_QUIET	0x00000002
#define LOP_TRYLOCK	0x00000004
#define LOP_EXCLUSIVE	0x00000008
#define LOP_DUPOK	0x00000010
#define LOP_NOSLEEP	0x00000020

/* Generic assertion flags (FreeBSD LA_*). */
#define LA_MASKASSERT	0x000000ff
#define LA_UNLOCKED	0x00000000
#define LA_LOCKED	0x00000001
#define LA_SLOCKED	0x00000002
#define LA_XLOCKED	0x00000004
#define LA_RECURSED	0x00000008
#define LA_NOTRECURSED	0x00000010

/*
 * witness(4) for ported code (<sys/lock.h>'s WITNESS_* macros; module/freebsd/witness.cpp over
 * the core's checker, module/core/witness.h; WITNESS_WARN is <sys/systm.h>'s, always checked:
 * include/bsdsync/freebsd/systm.h). Thread context. While witness is off they do nothing
 * ("?", 0), as FreeBSD's with debug.witness.watch 0.
 *   checkorder: the order check of acquiring `lo` (LOP_EXCLUSIVE: exclusively; LOP_TRYLOCK:
 *               no check) without acquiring it; `interlock` (may be null) is skipped.
 *   save/restore, file/line: the site of the caller's (newest) hold of `lo`, from its
 *               held-locks record ("?" and 0 if not held; spin mutexes keep no site).
 */
void fbsd_witness_checkorder(struct lock_object *lo, int flags, const char *file, int line,
			     struct lock_object *interlock);
void fbsd_witness_save(struct lock_object *lo, const char **file, int *line);
void fbsd_witness_restore(struct lock_object *lo, const char *file, int line);
const char *fbsd_witness_file(struct lock_object *lo);
int fbsd_witness_line(struct lock_object *lo);

BSDSYNC_FREEBSD_ABI_END

#endif
