/*
 * <sys/types.h> for drivers ported from FreeBSD.
 *
 * A ported driver may include Linux headers in the same file. Every typedef here therefore
 * names exactly the type Linux's <linux/types.h> gives the same name (C11 allows an identical
 * typedef twice), so the include order does not matter. Note that in the Linux kernel
 * uint64_t is unsigned long long, not unsigned long as in FreeBSD's amd64 userland.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_TYPES_H_
#define _BSDSYNC_FREEBSD_SYS_TYPES_H_

#include <bsdsync/types.h>

typedef unsigned char		u_char;
typedef unsigned short		u_short;
typedef unsigned int		u_int;
typedef unsigned long		u_long;

typedef signed char		int8_t;
typedef short			int16_t;
typedef int			int32_t;
typedef long long		int64_t;
typedef unsigned char		uint8_t;
typedef unsigned short		uint16_t;
typedef unsigned int		uint32_t;
typedef unsigned long long	uint64_t;
typedef unsigned char		u_int8_t;
typedef unsigned short		u_int16_t;
typedef unsigned int		u_int32_t;
typedef unsigned long long	u_int64_t;
typedef unsigned long		uintptr_t;
typedef long			intptr_t;
typedef unsigned long		vm_offset_t;
typedef long			register_t;
typedef int64_t			sbintime_t;
typedef char *			caddr_t;
typedef const char *		c_caddr_t;

#ifndef __cplusplus
#ifndef NULL
#define NULL ((void *)0)
#endif
#endif

#endif /* !_BSDSYNC_FREEBSD_SYS_TYPES_H_ */
