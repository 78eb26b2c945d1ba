#include "core/lock_type.h"

namespace bsdsync {

namespace {
/* Locking key: see lock_type.h (written at init/exit only, read with acquire). */
const LockType *lock_types[kMaxLockTypes];
} // namespace

int lock_type_register(const LockType *type)
{
	int free_id = 0;
	for (int id = 1; id < kMaxLockTypes; id++) {
		const LockType *t = load_relaxed(&lock_types[id]);
		if (t == type)
			return id;
		if (!t && !free_id)
			free_id = id;
	}
	/* Release: a reader that finds the pointer sees the type's (constant) contents. */
	if (free_id)
		store_release(&lock_types[free_id], type);
	return free_id;
}

void lock_type_unregister(const LockType *type)
{
	for (int id = 1; id < kMaxLockTypes; id++)
		if (load_relaxed(&lock_types[id]) == type)
			store_relaxed(&lock_types[id], static_cast<const LockType *>(nullptr));
}

const LockType *lock_type_by_id(int id)
{
	if (id <= 0 || id >= kMaxLockTypes)
		return nullptr;
	/* Acquire: pairs with the release in lock_type_register. */
	return load_acquire(&lock_types[id]);
}

int lock_type_id(const LockType *type)
{
	for (int id = 1; id < kMaxLockTypes; id++)
		if (load_acquire(&lock_types[id]) == type)
			return id;
	return 0;
}

} // namespace bsdsync
