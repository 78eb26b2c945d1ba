// SPDX-License-Identifier: BSD-2-Clause OR GPL-2.0
/*
 * The personalities bsdsync.ko carries, in the order the platform's module init starts them
 * (module/platform/module.c; unload stops them in reverse). The one place that names them for
 * the platform: each personality defines its descriptor (struct bsdsync_personality,
 * platform.h) in its own folder, and a new one adds a line here. A table rather than
 * registration at load: the module loader runs no constructors (CONFIG_CONSTRUCTORS is off in
 * Debian kernels), so every global is a constant initialised at compile time.
 */
#include "platform/platform.h"

extern const struct bsdsync_personality bsdsync_freebsd_personality;	/* module/freebsd */
extern const struct bsdsync_personality bsdsync_dragonfly_personality;	/* module/dragonfly */

const struct bsdsync_personality *const bsdsync_personalities[] = {
	&bsdsync_freebsd_personality,
	&bsdsync_dragonfly_personality,
	0,
};
