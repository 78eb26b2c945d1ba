/*
 * <sys/limits.h> for ported FreeBSD drivers: the C integer limits, FreeBSD's extra names
 * (QUAD_MAX, OFF_MAX, SIZE_T_MAX, ...).
 *
 * Linux's <linux/limits.h> defines INT_MAX, UINT_MAX, LONG_MAX, SIZE_MAX, ... without a
 * guard; it is included first and only the names it lacks are defined here, so the values
 * are Linux's (the same numbers on x86-64) and either header may come first.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_LIMITS_H_
#define _BSDSYNC_FREEBSD_SYS_LIMITS_H_

#include <sys/cdefs.h>
#ifdef __KERNEL__
#include <linux/limits.h>
#endif

#ifndef CHAR_BIT
#define CHAR_BIT	8
#endif
#ifndef SCHAR_MAX
#define SCHAR_MAX	0x7f
#endif
#ifndef SCHAR_MIN
#define SCHAR_MIN	(-0x7f - 1)
#endif
#ifndef UCHAR_MAX
#define UCHAR_MAX	0xff
#endif
#ifndef CHAR_MAX
#define CHAR_MAX	SCHAR_MAX
#endif
#ifndef CHAR_MIN
#define CHAR_MIN	SCHAR_MIN
#endif
#ifndef USHRT_MAX
#define USHRT_MAX	((unsigned short)~0U)
#endif
#ifndef SHRT_MAX
#define SHRT_MAX	((short)(USHRT_MAX >> 1))
#endif
#ifndef SHRT_MIN
#define SHRT_MIN	((short)(-SHRT_MAX - 1))
#endif
#ifndef INT_MAX
#define INT_MAX		((int)(~0U >> 1))
#endif
#ifndef INT_MIN
#define INT_MIN		(-INT_MAX - 1)
#endif
#ifndef UINT_MAX
#define UINT_MAX	(~0U)
#endif
#ifndef LONG_MAX
#define LONG_MAX	((long)(~0UL >> 1))
#endif
#ifndef LONG_MIN
#define LONG_MIN	(-LONG_MAX - 1)
#endif
#ifndef ULONG_MAX
#define ULONG_MAX	(~0UL)
#endif
#ifndef LLONG_MAX
#define LLONG_MAX	((long long)(~0ULL >> 1))
#endif
#ifndef LLONG_MIN
#define LLONG_MIN	(-LLONG_MAX - 1)
#endif
#ifndef ULLONG_MAX
#define ULLONG_MAX	(~0ULL)
#endif
#ifndef SSIZE_MAX
#define SSIZE_MAX	LONG_MAX
#endif
#ifndef SIZE_MAX
#define SIZE_MAX	ULONG_MAX
#endif

#define SIZE_T_MAX	SIZE_MAX
#define OFF_MAX		LLONG_MAX
#define OFF_MIN		LLONG_MIN
#define UQUAD_MAX	ULLONG_MAX
#define QUAD_MAX	LLONG_MAX
#define QUAD_MIN	LLONG_MIN
#define LONG_BIT	64
#define WORD_BIT	32

#endif /* !_BSDSYNC_FREEBSD_SYS_LIMITS_H_ */
