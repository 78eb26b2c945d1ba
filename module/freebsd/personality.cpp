/*
 * The FreeBSD personality as the platform's module init/exit sees it (struct
 * bsdsync_personality, listed in module/personalities.c): what it needs at load (Giant, the
 * sleep mutex pool, the core hooks that know FreeBSD's lock_object, the callout and global
 * taskqueue threads) and at unload; and
 * FreeBSD's clock constants hz and tick_sbt, which are this kernel's HZ.
 */
#include <bsdsync/freebsd/sleep.h>
#include "freebsd/lock_class.h"
#include "core/thread.h"
#include "core/witness.h"
#include "freebsd/services.h"

using namespace bsdsync;
using namespace bsdsync::fbsd;

/* Defined where <bsdsync/freebsd/sleep.h> declares them (extern "C" in bsdsync::fbsd), so
 * that these const definitions take the declarations' external C linkage. */
namespace bsdsync::fbsd {
extern "C" {

constinit const int fbsd_hz = BSDSYNC_HZ;
constinit const bsdsync_sbintime_t fbsd_tick_sbt = BSDSYNC_SBT_1S / BSDSYNC_HZ;

} // extern "C"
} // namespace bsdsync::fbsd

namespace {

constinit const bsdsync_lock_site personality_site = { __FILE__, __LINE__ };

/* Undo the first `done` steps of freebsd_init after its first ones (the lock types and
 * Giant, always done), last first: freebsd_exit is freebsd_undo(4). */
void freebsd_undo(int done)
{
	if (done >= 4)
		fbsd::taskqueue_stop();
	if (done >= 3)
		fbsd::callout_stop_thread();
	if (done >= 2)
		fbsd_mtx_pool_destroy(&fbsd_mtxpool_sleep);
	if (done >= 1)
		bsdsync::block_hook_unregister(&bsdsync::fbsd::giant_block_hook);
	fbsd_mtx_destroy(&fbsd_Giant, __FILE__, __LINE__);
	fbsd::lock_types_unregister();
}

int freebsd_init()
{
	if (int err = fbsd::lock_types_register())
		return err;
	/* Every sleep drops Giant: the may-sleep check excepts it. Spin mutexes in the per-CPU
	 * spin record are named through their lock_object (which comes first). */
	td_sleep_drops_lock = [] { return static_cast<const void *>(&fbsd_Giant.lock_object); };
	spin_lock_subject = [](const void *lock) {
		return fbsd::subject_of(static_cast<const lock_object *>(lock));
	};
	witness_spin_lock_type = [](const void *lock) {
		return fbsd::lock_type_of(static_cast<const lock_object *>(lock));
	};
	fbsd_mtx_init(&fbsd_Giant, "Giant", nullptr, MTX_DEF | MTX_RECURSE, &personality_site);
	/* Each step, then the next; a step that fails undoes those before it (freebsd_undo). */
	int done = 0;
	/* Before any thread can block: every sleep drops Giant (core/block.h). */
	if (bsdsync::block_hook_register(&bsdsync::fbsd::giant_block_hook)) {
		done = 1;
		fbsd_mtxpool_sleep = fbsd_mtx_pool_create("sleep mtxpool", 1024, MTX_DEF);
		/* The services' threads: callouts first, the taskqueues' timeout tasks use them. */
		if (fbsd_mtxpool_sleep) {
			done = 2;
			if (fbsd::callout_start() == 0) {
				done = 3;
				if (fbsd::taskqueue_start() == 0)
					return 0;
				done = 4;	/* taskqueue_stop copes with a start that failed */
			}
		}
	}
	freebsd_undo(done);
	return BSDSYNC_ERR_NOMEM;
}

void freebsd_exit()
{
	freebsd_undo(4);
}

} // namespace

extern "C" constinit const bsdsync_personality bsdsync_freebsd_personality = {
	"FreeBSD",
	"mtx, sx, rw, rm, rms, lockmgr, sleep, condvar, sema, critical, atomic, callout, taskqueue, "
	"kthread",
	freebsd_init,
	freebsd_exit,
};
