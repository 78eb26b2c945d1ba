/*
 * <sys/errno.h> for ported FreeBSD drivers. The BSD names carry the numbers Linux gives
 * them, token for token as in <uapi/asm-generic/errno*.h>, so that a file including both
 * compiles (identical redefinitions are allowed) and compares equal whatever it includes.
 * See include/bsdsync/freebsd/sleep.h for why ERESTART is Linux's "restart the call" code.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_ERRNO_H_
#define _BSDSYNC_FREEBSD_SYS_ERRNO_H_

#define	EPERM		 1
#define	ENOENT		 2
#define	EINTR		 4
#define	EIO		 5
#define	ENXIO		 6
#define	E2BIG		 7
#define	ENOEXEC		 8
#define	EBADF		 9
#define	EAGAIN		11
#define	ENOMEM		12
#define	EACCES		13
#define	EFAULT		14
#define	EBUSY		16
#define	EEXIST		17
#define	ENODEV		19
#define	EINVAL		22
#define	ENOSPC		28
#define	EPIPE		32
#define	ERANGE		34
#define	EDEADLK		35
#define	ENOLCK		37
#define	ENOSYS		38
#define	EWOULDBLOCK	EAGAIN
#define	EOPNOTSUPP	95
#define	ETIMEDOUT	110
#define	ERESTART	85

/* FreeBSD kernel-only pseudo-errors that Linux has no name for. */
#define	EJUSTRETURN	(-2)
#define	ENOIOCTL	(-3)

#endif
