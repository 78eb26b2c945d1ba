/*
 * bsdsync C ABI: base types. Plain C and C++, no Linux header needed. Every struct layout that
 * crosses the module boundary is defined under include/bsdsync/ and nowhere else.
 */
#ifndef _BSDSYNC_TYPES_H_
#define _BSDSYNC_TYPES_H_

#ifdef __cplusplus
#define BSDSYNC_BEGIN_DECLS extern "C" {
#define BSDSYNC_END_DECLS }
#else
#define BSDSYNC_BEGIN_DECLS
#define BSDSYNC_END_DECLS
#endif

/* The opaque thread handle of bsdsync: the Linux task_struct of the thread, never dereferenced
 * outside module/platform. FreeBSD's `struct thread *` and DragonFly's `thread_t` are this. */
struct thread;

/* sbintime_t: signed 32.32 fixed-point seconds (FreeBSD <sys/time.h>). */
typedef long long bsdsync_sbintime_t;

#endif
