/*
 * <sys/mplock2.h> for drivers ported from DragonFly BSD: the MP lock, as DragonFly implements
 * it today (sys/sys/mplock2.h, SMP): the global token mp_token, so it has full token
 * semantics: recursive, released while its holder blocks and held again before it runs,
 * released newest first. try_mplock() is non-zero on success.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_MPLOCK2_H_
#define _BSDSYNC_DRAGONFLY_SYS_MPLOCK2_H_

#include <sys/thread.h>

#define mp_token		dfly_mp_token

#define get_mplock()		lwkt_gettoken(&mp_token)
#define try_mplock()		lwkt_trytoken(&mp_token)
#define rel_mplock()		lwkt_reltoken(&mp_token)
#define get_mplock_count(td)	lwkt_cnttoken(&mp_token, (td))
#define MP_LOCK_HELD()		LWKT_TOKEN_HELD_EXCL(&mp_token)
#define ASSERT_MP_LOCK_HELD()	ASSERT_LWKT_TOKEN_HELD_EXCL(&mp_token)

#endif
