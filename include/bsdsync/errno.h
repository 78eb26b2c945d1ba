/*
 * bsdsync C ABI: the error numbers every personality returns (neutral).
 *
 * bsdsync returns the numbers the ported driver's own compilation sees for the BSD names. A
 * ported driver is also a Linux module that may include <linux/errno.h>, so the names carry
 * Linux's values (EWOULDBLOCK == EAGAIN == 11, EDEADLK 35, ENOLCK 37, ERESTART 85), and the
 * driver's comparisons hold whatever it includes. ERESTART means, as in both BSDs, "a signal
 * arrived and the system call may be restarted": a driver returning it from a Linux entry
 * point returns -ERESTARTSYS, and Linux then restarts or fails the call (EINTR) by the
 * signal's SA_RESTART, as the BSDs would.
 */
#ifndef _BSDSYNC_ERRNO_H_
#define _BSDSYNC_ERRNO_H_

#define BSDSYNC_ENOENT		2
#define BSDSYNC_EINTR		4
#define BSDSYNC_EAGAIN		11
#define BSDSYNC_EWOULDBLOCK	BSDSYNC_EAGAIN
#define BSDSYNC_EBUSY		16
#define BSDSYNC_EINVAL		22
#define BSDSYNC_EDEADLK		35
#define BSDSYNC_ENOLCK		37
#define BSDSYNC_ERESTART	85
#define BSDSYNC_EINPROGRESS	115

#endif
