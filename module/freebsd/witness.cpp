/*
 * witness(4) for ported FreeBSD code: the WITNESS_* macros of <sys/lock.h> (WITNESS_CHECKORDER,
 * WITNESS_SAVE/RESTORE, WITNESS_FILE/LINE) over the core's lock-order checker
 * (module/core/witness.h, where what each does is described). A FreeBSD lock is known there
 * by its lock_object's address and its class's core lock type. (WITNESS_WARN is
 * <sys/systm.h>'s: module/freebsd/systm.cpp.)
 */
#include <bsdsync/freebsd/lock.h>
#include "core/witness.h"
#include "freebsd/lock_class.h"

using namespace bsdsync;
using namespace bsdsync::fbsd;

extern "C" {

void fbsd_witness_checkorder(lock_object *lo, int flags, const char *file, int line,
			     lock_object *interlock)
{
	/* witness(4): try-locks skip the order check. */
	if (!lo || (flags & LOP_TRYLOCK))
		return;
	if (const LockType *type = lock_type_of(lo))
		witness_checkorder(lo, type, !(flags & LOP_EXCLUSIVE), file, line, interlock);
}

void fbsd_witness_save(lock_object *lo, const char **file, int *line)
{
	witness_save(lo, file, line);
}

void fbsd_witness_restore(lock_object *lo, const char *file, int line)
{
	witness_restore(lo, file, line);
}

const char *fbsd_witness_file(lock_object *lo)
{
	const char *file;
	int line;
	witness_save(lo, &file, &line);
	return file;
}

int fbsd_witness_line(lock_object *lo)
{
	const char *file;
	int line;
	witness_save(lo, &file, &line);
	return line;
}

} // extern "C"
