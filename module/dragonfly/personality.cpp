/*
 * The DragonFly personality as the platform's module init/exit sees it (struct
 * bsdsync_personality, listed in module/personalities.c): at load it registers its lock
 * types, tokens (their lock type and the platform's scheduler switch hooks, token.cpp) and
 * its thread-exit hook (core/thread.h td_exit_hook); its clock constant hz is this kernel's
 * HZ.
 */
#include "dragonfly/dragonfly.h"
#include "core/lock_type.h"

using namespace bsdsync;
using namespace bsdsync::dfly;

namespace bsdsync::dfly {
extern "C" {

constinit const int dfly_hz = BSDSYNC_HZ;

} // extern "C"

namespace {

void describe_spinlock(const void *lock, const char **name, const bsdsync_lock_site **site,
		       unsigned *witness_flags)
{
	const dfly_spinlock *spin = static_cast<const dfly_spinlock *>(lock);
	*name = spin->descr ? spin->descr : "(spin_init without a name, or a pool spinlock)";
	*site = nullptr;
	if (witness_flags)
		*witness_flags = 0;	/* checked like any lock: DragonFly has no witness flags */
}

} // namespace

/* Held with preemption off and interrupts on; shared or exclusive; never recursive; its
 * holder must not block (core/thread.h may_block names it). */
constinit const LockType spinlock_type = {
	"DragonFly spinlock", BSDSYNC_LT_PREEMPT_OFF | BSDSYNC_LT_SHARED, describe_spinlock
};

ReportSubject spinlock_subject(const dfly_spinlock *spin)
{
	return lock_subject(&spinlock_type, spin);
}

/* Every lock type of the personality, registered in this order. */
const LockType *const lock_types[] = { &spinlock_type, &lockmgr_type, &mtx_type,
					       &serializer_type };
constexpr int kLockTypes = sizeof(lock_types) / sizeof(lock_types[0]);

int lock_types_register()
{
	for (int i = 0; i < kLockTypes; i++) {
		if (!lock_type_register(lock_types[i])) {
			while (--i >= 0)
				lock_type_unregister(lock_types[i]);
			return BSDSYNC_ERR_NOMEM;
		}
	}
	return 0;
}

void lock_types_unregister()
{
	for (int i = kLockTypes - 1; i >= 0; i--)
		lock_type_unregister(lock_types[i]);
}

} // namespace bsdsync::dfly

namespace {

/* The core's thread-exit hook for DragonFly's slot (core/thread.h td_exit_hook). */
void thread_exiting(ThreadState *t)
{
	dfly::sleep_thread_exiting(t);
	dfly::token_thread_exiting(t);
	dfly::msgport_thread_exiting(t);
}

int dragonfly_init()
{
	int error = dfly::lock_types_register();
	if (error)
		return error;
	error = dfly::tokens_start();
	if (error) {
		dfly::lock_types_unregister();
		return error;
	}
	store_release(&td_exit_hook[dfly::kThreadSlot], &thread_exiting);
	return 0;
}

void dragonfly_exit()
{
	store_release(&td_exit_hook[dfly::kThreadSlot],
		      static_cast<void (*)(ThreadState *)>(nullptr));
	/* No thread holds a token: each holder's switch hook held a module reference. */
	dfly::tokens_stop();
	dfly::lock_types_unregister();
}

} // namespace

extern "C" constinit const bsdsync_personality bsdsync_dragonfly_personality = {
	"DragonFly",
	"spinlock, critical sections, tsleep/tsleep_interlock/ssleep/wakeup/wakeup_domain, "
	"LWKT tokens, MP lock, lockmgr, mtx, serializer, condvar, message ports (spin, "
	"serializer, reply-only, put-only, thread)",
	dragonfly_init,
	dragonfly_exit,
};
