/* <sys/time.h>: sbintime_t (signed 32.32 fixed-point seconds) and its conversions. */
#ifndef _BSDSYNC_FREEBSD_SYS_TIME_H_
#define _BSDSYNC_FREEBSD_SYS_TIME_H_

#include <sys/types.h>
#include <bsdsync/fbsd_sleep.h>

#define SBT_1S	BSDSYNC_SBT_1S
#define SBT_1M	(SBT_1S * 60)
#define SBT_1MS	BSDSYNC_SBT_1MS
#define SBT_1US	BSDSYNC_SBT_1US
#define SBT_1NS	BSDSYNC_SBT_1NS
#define SBT_MAX	0x7fffffffffffffffLL

#define tick_sbt	fbsd_tick_sbt
#define sbinuptime()	fbsd_sbinuptime()

static inline sbintime_t nstosbt(int64_t ns) { return (sbintime_t)((ns * (((uint64_t)1 << 63) / 500000000)) >> 32); }
static inline sbintime_t ustosbt(int64_t us) { return (sbintime_t)((us * (((uint64_t)1 << 63) / 500000)) >> 32); }
static inline sbintime_t mstosbt(int64_t ms) { return (sbintime_t)((ms * (((uint64_t)1 << 63) / 500)) >> 32); }
static inline int64_t sbttons(sbintime_t sbt) { return (int64_t)(((uint64_t)1000000000 * (uint64_t)sbt) >> 32); }
static inline int64_t sbttous(sbintime_t sbt) { return (int64_t)(((uint64_t)1000000 * (uint64_t)sbt) >> 32); }
static inline int64_t sbttoms(sbintime_t sbt) { return (int64_t)(((uint64_t)1000 * (uint64_t)sbt) >> 32); }

#endif
