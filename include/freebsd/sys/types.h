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

#include <sys/cdefs.h>
#include <bsdsync/types.h>

/* bool, true and false, size_t, ssize_t, offsetof: Linux's, as every Linux module has them
 * (<linux/stddef.h> makes true and false enumerators, which no second definition could
 * match; with Linux's own header included here first, both orders compile). */
#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#endif

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

typedef uint64_t		uoff_t;
typedef int64_t			quad_t;
typedef uint64_t		u_quad_t;
typedef uint32_t		lwpid_t;
typedef uint64_t		vm_paddr_t;
typedef uint64_t		vm_size_t;
typedef uint64_t		vm_pindex_t;
typedef int			boolean_t;
typedef long			intmax_t;
typedef unsigned long		uintmax_t;

/* A driver's handle on its device: opaque here (bsdsync ports locks, not newbus). */
typedef struct _device		*device_t;

#ifndef __cplusplus
#ifndef NULL
#define NULL ((void *)0)
#endif
#endif

#endif /* !_BSDSYNC_FREEBSD_SYS_TYPES_H_ */
