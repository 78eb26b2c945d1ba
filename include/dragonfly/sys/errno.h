/*
 * <sys/errno.h> for drivers ported from DragonFly BSD: the error names the primitives
 * return, with Linux's values (<bsdsync/errno.h> tells why), spelled as Linux spells them
 * so that a file may include <linux/errno.h> too, in either order.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_ERRNO_H_
#define _BSDSYNC_DRAGONFLY_SYS_ERRNO_H_

#define	ENOENT		 2
#define	EINTR		 4
#define	EAGAIN		11
#define	EBUSY		16
#define	EINVAL		22
#define	EDEADLK		35
#define	ENOLCK		37
#define	EWOULDBLOCK	EAGAIN
#define	ERESTART	85
#define	EINPROGRESS	115

#endif
