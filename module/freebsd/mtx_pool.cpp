/*
 * FreeBSD mtx_pool(9): a pre-allocated array of mutexes shared by address hash. Pool
 * mutexes are leaf locks for short critical sections; they may be used with mtx_sleep().
 */
#include "freebsd/lock_class.h"

struct bsdsync::fbsd::mtx_pool {
	unsigned shift;		/* 64 - log2(size): the hash keeps the top bits */
	unsigned mask;
	unsigned next;		/* mtx_pool_alloc's rover */
	struct mtx mtxs[];
};

using namespace bsdsync;
using namespace bsdsync::fbsd;

namespace {
constinit const bsdsync_lock_site pool_site = { __FILE__, __LINE__ };
}

extern "C" {

constinit struct mtx_pool *fbsd_mtxpool_sleep;

struct mtx_pool *fbsd_mtx_pool_create(const char *mtx_name, int pool_size, int opts)
{
	if (pool_size <= 0 || (pool_size & (pool_size - 1)) != 0) {
		int rounded = 1;
		while (rounded < pool_size && rounded < (1 << 20))
			rounded <<= 1;
		report(BSDSYNC_RULE_BAD_ARGUMENT, ReportSubject{ "mutex pool", mtx_name, nullptr, nullptr },
		       nullptr, 0, "mtx_pool_create size %d is not a power of 2 (using %d)",
		       pool_size, rounded);
		pool_size = rounded;
	}
	auto *pool = static_cast<struct mtx_pool *>(
		bsdsync_alloc(sizeof(struct mtx_pool) + sizeof(struct mtx) * pool_size, 1));
	if (!pool)
		return nullptr;
	unsigned bits = 0;
	while ((1 << bits) < pool_size)
		bits++;
	pool->shift = 64 - bits;
	pool->mask = pool_size - 1;
	for (int i = 0; i < pool_size; i++)
		fbsd_mtx_init(&pool->mtxs[i], mtx_name, nullptr, opts | MTX_NEW, &pool_site);
	return pool;
}

void fbsd_mtx_pool_destroy(struct mtx_pool **poolp)
{
	struct mtx_pool *pool = *poolp;
	for (unsigned i = 0; i <= pool->mask; i++)
		fbsd_mtx_destroy(&pool->mtxs[i], __FILE__, __LINE__);
	bsdsync_free(pool);
	*poolp = nullptr;
}

struct mtx *fbsd_mtx_pool_find(struct mtx_pool *pool, void *ptr)
{
	/* Fibonacci hashing; ptr need not point at anything valid. */
	unsigned long h = (unsigned long)ptr * 0x9E3779B97F4A7C15ULL;
	return &pool->mtxs[pool->shift >= 64 ? 0 : (h >> pool->shift) & pool->mask];
}

struct mtx *fbsd_mtx_pool_alloc(struct mtx_pool *pool)
{
	unsigned i = __atomic_fetch_add(&pool->next, 1, __ATOMIC_RELAXED);
	return &pool->mtxs[i & pool->mask];
}

} // extern "C"
