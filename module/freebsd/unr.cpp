/*
 * FreeBSD unr(9): unit numbers in [low, high], the lowest free one first.
 *
 * FreeBSD keeps runs of allocated and free numbers in a list; bsdsync keeps one bit per
 * number (bit i: low + i allocated) in a bitmap that grows by doubling as higher numbers are
 * handed out, so a huge range (0..INT_MAX, common for unit numbers) costs memory only for
 * the part in use. Everything in the header below is protected by uh->mtx (the private
 * mutex, or the one the caller gave); with UNR_NO_MTX the caller serialises every call.
 *
 * Growing allocates: alloc_unr and alloc_unr_specific allocate the bigger map before they
 * take the mutex (so they may sleep, as FreeBSD's), then install it under the mutex if no
 * other thread grew the map meanwhile. Under UNR_NO_MTX, and in alloc_unrl where the caller
 * holds the mutex, the map is grown without sleeping.
 */
#include <bsdsync/freebsd/systm.h>
#include "core/diag.h"

struct bsdsync::fbsd::unrhdr {
	int low;
	int high;
	struct mtx *mtx;	/* taken by alloc_unr/free_unr; null for UNR_NO_MTX */
	unsigned long *map;	/* bit i: unit low + i is allocated */
	unsigned long nbits;	/* bits in map, a multiple of 64 (0: no map yet) */
	unsigned long busy;	/* units allocated */
	struct mtx own;		/* the private mutex when new_unrhdr got none */
};

using namespace bsdsync;
using namespace bsdsync::fbsd;

namespace {

constinit const bsdsync_lock_site unr_site = { __FILE__, __LINE__ };
constexpr unsigned long kWordBits = 64;

ReportSubject unr_subject(const struct unrhdr *uh)
{
	return ReportSubject{ "unit number allocator", "unrhdr", uh, nullptr };
}

/* Numbers in the range (at most 2^32). */
unsigned long range_of(const struct unrhdr *uh)
{
	return (unsigned long)((long)uh->high - (long)uh->low + 1);
}

void lock(struct unrhdr *uh)
{
	if (uh->mtx)
		fbsd_mtx_lock_flags(uh->mtx, 0, __FILE__, __LINE__);
}

void unlock(struct unrhdr *uh)
{
	if (uh->mtx)
		fbsd_mtx_unlock_flags(uh->mtx, 0, __FILE__, __LINE__);
}

/* The map size (bits) that covers index `idx`: doubled from the current size, capped at
 * the range. */
unsigned long grown_bits(const struct unrhdr *uh, unsigned long idx)
{
	unsigned long cap = (range_of(uh) + kWordBits - 1) / kWordBits * kWordBits;
	unsigned long n = uh->nbits ? uh->nbits : kWordBits;
	while (n <= idx && n < cap)
		n *= 2;
	return n < cap ? n : cap;
}

/* Install `map` of `bits` bits if it is bigger than the current one (mutex held); returns
 * the map that the caller must free (the old one, or `map` if not needed). */
unsigned long *install(struct unrhdr *uh, unsigned long *map, unsigned long bits)
{
	if (bits <= uh->nbits)
		return map;
	unsigned long *old = uh->map;
	for (unsigned long w = 0; w < uh->nbits / kWordBits; w++)
		map[w] = old[w];
	uh->map = map;
	uh->nbits = bits;
	return old;
}

/* Grow the map to cover idx, with the mutex held (or none). may_sleep: the mutex is
 * dropped around a sleeping allocation and retaken (another thread may have grown the map
 * meanwhile: install keeps the bigger). Otherwise the allocation does not sleep, and false
 * means it failed. */
bool grow_to(struct unrhdr *uh, unsigned long idx, bool may_sleep)
{
	while (uh->nbits <= idx) {
		unsigned long bits = grown_bits(uh, idx);
		if (may_sleep)
			unlock(uh);
		auto *map = static_cast<unsigned long *>(
			bsdsync_alloc(bits / kWordBits * sizeof(unsigned long), may_sleep));
		if (may_sleep)
			lock(uh);
		if (!map)
			return false;
		bsdsync_free(install(uh, map, bits));
	}
	return true;
}

/* The lowest free unit in the map, allocated, or -1 if the map has none free. Mutex held. */
int alloc_in_map(struct unrhdr *uh)
{
	unsigned long limit = uh->nbits < range_of(uh) ? uh->nbits : range_of(uh);
	for (unsigned long w = 0; w * kWordBits < limit; w++) {
		unsigned long free_bits = ~uh->map[w];
		if (!free_bits)
			continue;
		unsigned long idx = w * kWordBits + __builtin_ctzl(free_bits);
		if (idx >= limit)
			return -1;
		uh->map[w] |= 1UL << (idx % kWordBits);
		uh->busy++;
		return (int)((long)uh->low + (long)idx);
	}
	return -1;
}

/* alloc_unr with the mutex held (or none); may_sleep: it may be dropped to grow. */
int alloc_locked(struct unrhdr *uh, bool may_sleep)
{
	for (;;) {
		int n = alloc_in_map(uh);
		if (n >= 0 || uh->nbits >= range_of(uh))
			return n;
		if (!grow_to(uh, uh->nbits, may_sleep))
			return -1;
	}
}

} // namespace

extern "C" {

struct unrhdr *fbsd_new_unrhdr(int low, int high, struct mtx *mutex)
{
	if (low < 0 || low > high) {
		report(BSDSYNC_RULE_BAD_ARGUMENT, ReportSubject{ "unit number allocator", "unrhdr",
								nullptr, nullptr },
		       nullptr, 0, "new_unrhdr(%d, %d): need 0 <= low <= high", low, high);
		return nullptr;
	}
	auto *uh = static_cast<struct unrhdr *>(bsdsync_alloc(sizeof(struct unrhdr), 1));
	if (!uh)
		return nullptr;
	uh->low = low;
	uh->high = high;
	if (mutex == BSDSYNC_UNR_NO_MTX) {
		uh->mtx = nullptr;
	} else if (mutex) {
		uh->mtx = mutex;
	} else {
		fbsd_mtx_init(&uh->own, "unrhdr", nullptr, MTX_DEF | MTX_NEW, &unr_site);
		uh->mtx = &uh->own;
	}
	return uh;
}

void fbsd_clear_unrhdr(struct unrhdr *uh)
{
	lock(uh);
	for (unsigned long w = 0; w < uh->nbits / kWordBits; w++)
		uh->map[w] = 0;
	uh->busy = 0;
	unlock(uh);
}

void fbsd_delete_unrhdr(struct unrhdr *uh)
{
	if (uh->busy)
		report(BSDSYNC_RULE_DESTROY_HELD, unr_subject(uh), nullptr, 0,
		       "delete_unrhdr with %lu unit numbers still allocated", uh->busy);
	if (uh->mtx == &uh->own)
		fbsd_mtx_destroy(&uh->own, __FILE__, __LINE__);
	bsdsync_free(uh->map);
	bsdsync_free(uh);
}

int fbsd_alloc_unr(struct unrhdr *uh)
{
	lock(uh);
	int n = alloc_locked(uh, uh->mtx != nullptr);
	unlock(uh);
	return n;
}

int fbsd_alloc_unrl(struct unrhdr *uh)
{
	return alloc_locked(uh, false);
}

int fbsd_alloc_unr_specific(struct unrhdr *uh, unsigned int item)
{
	if ((long)item < (long)uh->low || (long)item > (long)uh->high)
		return -1;
	unsigned long idx = item - (unsigned long)uh->low;
	int n = -1;
	lock(uh);
	if (grow_to(uh, idx, uh->mtx != nullptr)) {
		unsigned long bit = 1UL << (idx % kWordBits);
		if (!(uh->map[idx / kWordBits] & bit)) {
			uh->map[idx / kWordBits] |= bit;
			uh->busy++;
			n = (int)item;
		}
	}
	unlock(uh);
	return n;
}

void fbsd_free_unr(struct unrhdr *uh, unsigned int item)
{
	unsigned long idx = item - (unsigned long)uh->low;
	bool allocated = false;
	lock(uh);
	if ((long)item >= (long)uh->low && (long)item <= (long)uh->high && idx < uh->nbits) {
		unsigned long bit = 1UL << (idx % kWordBits);
		if (uh->map[idx / kWordBits] & bit) {
			uh->map[idx / kWordBits] &= ~bit;
			uh->busy--;
			allocated = true;
		}
	}
	unlock(uh);
	if (!allocated)
		report(BSDSYNC_RULE_BAD_ARGUMENT, unr_subject(uh), nullptr, 0,
		       "free_unr(%u): not an allocated unit number (ignored)", item);
}

} // extern "C"
