/*
 * <sys/types.h> for drivers ported from DragonFly BSD (what this increment needs).
 *
 * Every typedef names exactly the type Linux's <linux/types.h> gives the same name (which
 * this header includes first), so a file may include Linux and DragonFly headers in either
 * order. boolean_t, TRUE and FALSE are DragonFly's (Linux has none of them).
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_TYPES_H_
#define _BSDSYNC_DRAGONFLY_SYS_TYPES_H_

#include <bsdsync/types.h>
#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#endif

typedef unsigned char		u_char;
typedef unsigned short		u_short;
typedef unsigned int		u_int;
typedef unsigned long		u_long;
typedef int			boolean_t;
#ifndef TRUE
#define TRUE	1
#endif
#ifndef FALSE
#define FALSE	0
#endif

#endif
