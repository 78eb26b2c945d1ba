/*
 * Compile-time proof that a second personality's ABI can sit beside FreeBSD's in the one C++
 * module (issue 10, "One core, two faces"). FreeBSD and DragonFly both define struct mtx,
 * struct lock and lockinit with other layouts; include/bsdsync/types.h's
 * BSDSYNC_<PERSONALITY>_ABI_BEGIN puts each personality's ABI in a namespace of its own
 * (bsdsync::fbsd, bsdsync::dfly), so both compile into bsdsync.ko with no ODR clash while a
 * C driver still sees plain C.
 *
 * This translation unit includes both personalities' ABIs, whose struct mtx and struct lock
 * have the same names. It compiles only if the two do not clash, and it is linked into
 * bsdsync.ko: a function that takes one of each, with distinct C++ symbols, proves the
 * linker keeps them apart too. Nothing calls it and nothing here runs; no KUnit needed.
 */
#include <bsdsync/freebsd/mutex.h>
#include <bsdsync/freebsd/lockmgr.h>
#include <bsdsync/dragonfly/mutex.h>
#include <bsdsync/dragonfly/lock.h>

namespace bsdsync::checks {

/* Two types, two layouts, one name each. */
static_assert(sizeof(fbsd::mtx) == 32 && sizeof(dfly::mtx) == 64);
static_assert(__builtin_offsetof(fbsd::mtx, mtx_lock) == 24);
static_assert(__builtin_offsetof(dfly::mtx, mtx_lock) == 0);
static_assert(sizeof(fbsd::lock) == 56 && sizeof(dfly::lock) == 40);

/* FreeBSD's functions keep C linkage inside bsdsync::fbsd (the plain symbols a C driver
 * calls): module/freebsd defines them at global scope as extern "C", which is the same
 * function, and module/exports lists them by their C names (modpost fails on a name with no
 * definition). */

/* Linked into the module with both types in its (mangled) signature; never called. */
unsigned long abi_coexist(const fbsd::mtx *f, const dfly::mtx *d, const fbsd::lock *fl,
			  const dfly::lock *dl)
{
	return f->mtx_lock + d->mtx_lock + fl->lk_lock + dl->lk_count;
}

} // namespace bsdsync::checks
