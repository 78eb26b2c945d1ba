/*
 * bsdsync C ABI: base types. Plain C and C++, no Linux header needed. Every struct layout that
 * crosses the module boundary is defined under include/bsdsync/ and nowhere else.
 */
#ifndef _BSDSYNC_TYPES_H_
#define _BSDSYNC_TYPES_H_

/*
 * The neutral ABI (this folder) is plain C declarations; C++ sees them with C linkage.
 *
 * A personality's ABI (include/bsdsync/<personality>/) is wrapped in
 * BSDSYNC_<PERSONALITY>_ABI_BEGIN/END instead. FreeBSD and DragonFly both define struct mtx,
 * struct lock, ... with different layouts; in the C++ module each personality's ABI lives in
 * a namespace of its own (bsdsync::fbsd, bsdsync::dfly), so both compile into one bsdsync.ko
 * with no ODR clash, and code names them as fbsd::mtx or dfly::mtx. The functions keep C
 * linkage (extern "C" inside the namespace: the symbol is the plain name a C driver calls,
 * so C function and variable names stay unique across personalities: fbsd_*, dfly_*). A C
 * driver includes only its own personality's headers and sees plain C.
 */
#ifdef __cplusplus
#define BSDSYNC_BEGIN_DECLS extern "C" {
#define BSDSYNC_END_DECLS }
#define BSDSYNC_ABI_BEGIN(ns) namespace bsdsync { namespace ns { extern "C" {
#define BSDSYNC_ABI_END } } }
#else
#define BSDSYNC_BEGIN_DECLS
#define BSDSYNC_END_DECLS
#define BSDSYNC_ABI_BEGIN(ns)
#define BSDSYNC_ABI_END
#endif
#define BSDSYNC_FREEBSD_ABI_BEGIN BSDSYNC_ABI_BEGIN(fbsd)
#define BSDSYNC_FREEBSD_ABI_END BSDSYNC_ABI_END
#define BSDSYNC_DRAGONFLY_ABI_BEGIN BSDSYNC_ABI_BEGIN(dfly)
#define BSDSYNC_DRAGONFLY_ABI_END BSDSYNC_ABI_END

/*
 * Compile-time checks of the ABI layouts, in C (C11 _Static_assert) and C++ alike, so that a
 * driver's build catches a layout change as the module's does. The documented sizes and
 * offsets are LP64's (amd64, arm64): elsewhere the checks compile to nothing.
 */
#ifdef __cplusplus
#define BSDSYNC_STATIC_ASSERT(e, msg) static_assert(e, msg)
#else
#define BSDSYNC_STATIC_ASSERT(e, msg) _Static_assert(e, msg)
#endif
#if __SIZEOF_POINTER__ == 8 && __SIZEOF_LONG__ == 8
#define BSDSYNC_ABI_SIZE(type, size)						\
	BSDSYNC_STATIC_ASSERT(sizeof(type) == (size), "ABI: sizeof(" #type ") is " #size)
#define BSDSYNC_ABI_OFFSET(type, field, off)					\
	BSDSYNC_STATIC_ASSERT(__builtin_offsetof(type, field) == (off),		\
			      "ABI: " #type "." #field " is at offset " #off)
#else
#define BSDSYNC_ABI_SIZE(type, size)
#define BSDSYNC_ABI_OFFSET(type, field, off)
#endif

/* The opaque thread handle of bsdsync: the Linux task_struct of the thread, never dereferenced
 * outside module/platform. FreeBSD's `struct thread *` and DragonFly's `thread_t` are this. */
struct thread;

/* sbintime_t: signed 32.32 fixed-point seconds (FreeBSD <sys/time.h>). */
typedef long long bsdsync_sbintime_t;

#endif
