/* <sys/time.h>: sbintime_t (signed 32.32 fixed-point seconds) and its conversions. */
#ifndef _BSDSYNC_FREEBSD_SYS_TIME_H_
#define _BSDSYNC_FREEBSD_SYS_TIME_H_

#include <sys/types.h>
#include <bsdsync/freebsd/sleep.h>

#define SBT_1S	BSDSYNC_SBT_1S
#define SBT_1M	(SBT_1S * 60)
#define SBT_1MS	BSDSYNC_SBT_1MS
#define SBT_1US	BSDSYNC_SBT_1US
#define SBT_1NS	BSDSYNC_SBT_1NS
#define SBT_MAX	0x7fffffffffffffffLL

#define tick_sbt	fbsd_tick_sbt
#define sbinuptime()	fbsd_sbinuptime()

/* Whole seconds apart from the fraction, as FreeBSD 13 does (the multipliers are
 * ceil(2^63 / units per second)), so nothing overflows within
 * the range of sbintime_t and a conversion never rounds a timeout down. */
static inline sbintime_t nstosbt(int64_t ns)
{
	return (ns / 1000000000) * SBT_1S +
	       (sbintime_t)((((uint64_t)(ns % 1000000000)) * 9223372037ULL + 0x7fffffff) >> 31);
}
static inline sbintime_t ustosbt(int64_t us)
{
	return (us / 1000000) * SBT_1S +
	       (sbintime_t)((((uint64_t)(us % 1000000)) * 9223372036855ULL + 0x7fffffff) >> 31);
}
static inline sbintime_t mstosbt(int64_t ms)
{
	return (ms / 1000) * SBT_1S +
	       (sbintime_t)((((uint64_t)(ms % 1000)) * 9223372036854776ULL + 0x7fffffff) >> 31);
}
static inline int64_t sbttons(sbintime_t sbt)
{
	return (sbt >> 32) * 1000000000 + (int64_t)((1000000000ULL * (uint64_t)(sbt & 0xffffffff)) >> 32);
}
static inline int64_t sbttous(sbintime_t sbt)
{
	return (sbt >> 32) * 1000000 + (int64_t)((1000000ULL * (uint64_t)(sbt & 0xffffffff)) >> 32);
}
static inline int64_t sbttoms(sbintime_t sbt)
{
	return (sbt >> 32) * 1000 + (int64_t)((1000ULL * (uint64_t)(sbt & 0xffffffff)) >> 32);
}

#endif
