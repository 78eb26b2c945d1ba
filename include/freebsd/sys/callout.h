/* <sys/callout.h>: the C_* flags of the _sbt sleep forms (callouts themselves: not yet). */
#ifndef _BSDSYNC_FREEBSD_SYS_CALLOUT_H_
#define _BSDSYNC_FREEBSD_SYS_CALLOUT_H_

#include <bsdsync/fbsd_sleep.h>

#define C_DIRECT_EXEC	BSDSYNC_C_DIRECT_EXEC
#define C_PRELBITS	BSDSYNC_C_PRELBITS
#define C_PRELRANGE	BSDSYNC_C_PRELRANGE
#define C_PREL(x)	BSDSYNC_C_PREL(x)
#define C_PRELGET(x)	BSDSYNC_C_PRELGET(x)
#define C_HARDCLOCK	BSDSYNC_C_HARDCLOCK
#define C_ABSOLUTE	BSDSYNC_C_ABSOLUTE
#define C_PRECALC	BSDSYNC_C_PRECALC
#define C_CATCH		BSDSYNC_C_CATCH

#endif
