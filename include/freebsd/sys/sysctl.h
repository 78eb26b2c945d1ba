/*
 * <sys/sysctl.h> for ported FreeBSD drivers: static sysctl(9) declarations and the handler
 * helpers.
 *
 * bsdsync builds no sysctl tree (Linux has none for modules to hang FreeBSD nodes on). What
 * a static declaration does here:
 *  - SYSCTL_NODE, SYSCTL_INT, SYSCTL_PROC, ... each define a `struct sysctl_oid` record
 *    named as FreeBSD names it (sysctl_<parent>_<name>: nodes global, leaves static) that
 *    holds the name, the kind, the variable's address and the handler. Nothing reads the
 *    records: the variable keeps its initial value unless the driver changes it, and no
 *    handler is ever called by bsdsync. They make the variables and handlers referenced, so
 *    a static variable used only by its sysctl draws no unused warning.
 *  - SYSCTL_DECL(name) declares a node defined elsewhere in the driver. FreeBSD's own nodes
 *    (_hw, _kern, _debug, _net, _vm, ...) are declared here and defined nowhere: children
 *    of them compile (a record never points at its parent), but SYSCTL_STATIC_CHILDREN of
 *    one of them would not link.
 *  - TUNABLE_INT/LONG/ULONG/STR: no loader environment, so the variable keeps its value.
 *  - sysctl_handle_int/long/64/string/opaque work as in FreeBSD over a kernel-memory request
 *    (struct sysctl_req with kernel oldptr/newptr): a driver or a test can call its own
 *    handler with one. SYSCTL_OUT/SYSCTL_IN copy to and from those buffers.
 * Dynamic sysctls (sysctl_ctx_init, SYSCTL_ADD_*) are not provided.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_SYSCTL_H_
#define _BSDSYNC_FREEBSD_SYS_SYSCTL_H_

#include <sys/types.h>
#include <sys/errno.h>

struct sysctl_req;
struct sysctl_oid;

#define SYSCTL_HANDLER_ARGS							\
	struct sysctl_oid *oidp, void *arg1, intmax_t arg2, struct sysctl_req *req

struct sysctl_oid {
	const char *oid_name;
	unsigned int oid_kind;		/* CTLTYPE_* | CTLFLAG_* */
	void *oid_arg1;			/* the variable, or the handler's argument */
	intmax_t oid_arg2;		/* a constant value, or the size */
	int (*oid_handler)(SYSCTL_HANDLER_ARGS);
	const char *oid_fmt;
	const char *oid_descr;
};

/* A request over kernel buffers: oldptr receives the value (oldlen bytes of room; oldidx
 * counts what was written, or would have been), newptr holds a new value of newlen bytes. */
struct sysctl_req {
	void *oldptr;
	size_t oldlen;
	size_t oldidx;
	const void *newptr;
	size_t newlen;
	size_t newidx;
	int flags;
};

#define OID_AUTO	(-1)

#define CTLTYPE		0xf
#define CTLTYPE_NODE	1
#define CTLTYPE_INT	2
#define CTLTYPE_STRING	3
#define CTLTYPE_S64	4
#define CTLTYPE_OPAQUE	5
#define CTLTYPE_STRUCT	CTLTYPE_OPAQUE
#define CTLTYPE_UINT	6
#define CTLTYPE_LONG	7
#define CTLTYPE_ULONG	8
#define CTLTYPE_U64	9
#define CTLTYPE_U8	0xa
#define CTLTYPE_U16	0xb
#define CTLTYPE_S8	0xc
#define CTLTYPE_S16	0xd
#define CTLTYPE_S32	0xe
#define CTLTYPE_U32	0xf

#define CTLFLAG_RD	0x80000000
#define CTLFLAG_WR	0x40000000
#define CTLFLAG_RW	(CTLFLAG_RD | CTLFLAG_WR)
#define CTLFLAG_DORMANT	0x20000000
#define CTLFLAG_ANYBODY	0x10000000
#define CTLFLAG_SECURE	0x08000000
#define CTLFLAG_PRISON	0x04000000
#define CTLFLAG_DYN	0x02000000
#define CTLFLAG_SKIP	0x01000000
#define CTLMASK_SECURE	0x00F00000
#define CTLFLAG_TUN	0x00080000
#define CTLFLAG_RDTUN	(CTLFLAG_RD | CTLFLAG_TUN)
#define CTLFLAG_RWTUN	(CTLFLAG_RW | CTLFLAG_TUN)
#define CTLFLAG_MPSAFE	0x00040000
#define CTLFLAG_VNET	0x00020000
#define CTLFLAG_DYING	0x00010000
#define CTLFLAG_CAPRD	0x00008000
#define CTLFLAG_CAPWR	0x00004000
#define CTLFLAG_STATS	0x00002000
#define CTLFLAG_NOFETCH	0x00001000
#define CTLFLAG_CAPRW	(CTLFLAG_CAPRD | CTLFLAG_CAPWR)
#define CTLFLAG_NEEDGIANT 0x00000800

/* SYSCTL_OUT/SYSCTL_IN over the kernel buffers of struct sysctl_req. */
static inline int __bsd_sysctl_out(struct sysctl_req *req, const void *p, size_t l)
{
	size_t room = 0;

	if (req->oldptr && req->oldidx < req->oldlen)
		room = req->oldlen - req->oldidx;
	if (req->oldptr)
		__builtin_memcpy((char *)req->oldptr + req->oldidx, p, l < room ? l : room);
	req->oldidx += l;
	return (req->oldptr && l > room) ? ENOMEM : 0;
}
static inline int __bsd_sysctl_in(struct sysctl_req *req, void *p, size_t l)
{
	if (!req->newptr)
		return 0;
	if (req->newlen - req->newidx < l)
		return EINVAL;
	__builtin_memcpy(p, (const char *)req->newptr + req->newidx, l);
	req->newidx += l;
	return 0;
}
#define SYSCTL_OUT(r, p, l)	__bsd_sysctl_out((r), (p), (l))
#define SYSCTL_IN(r, p, l)	__bsd_sysctl_in((r), (p), (l))

/* The handlers: the value is *arg1 (or arg2 when arg1 is NULL, read-only), copied out,
 * then replaced from the request's new value if there is one. */
#define __BSDSYNC_SYSCTL_HANDLE(fn, type)					\
static inline int fn(SYSCTL_HANDLER_ARGS)					\
{										\
	type tmp = arg1 ? *(type *)arg1 : (type)arg2;				\
	int error = SYSCTL_OUT(req, &tmp, sizeof(tmp));				\
										\
	(void)oidp;								\
	if (error || !req->newptr)						\
		return error;							\
	if (!arg1)								\
		return EPERM;							\
	error = SYSCTL_IN(req, &tmp, sizeof(tmp));				\
	if (!error)								\
		*(type *)arg1 = tmp;						\
	return error;								\
}
__BSDSYNC_SYSCTL_HANDLE(sysctl_handle_bool, bool)
__BSDSYNC_SYSCTL_HANDLE(sysctl_handle_8, int8_t)
__BSDSYNC_SYSCTL_HANDLE(sysctl_handle_16, int16_t)
__BSDSYNC_SYSCTL_HANDLE(sysctl_handle_32, int32_t)
__BSDSYNC_SYSCTL_HANDLE(sysctl_handle_64, int64_t)
__BSDSYNC_SYSCTL_HANDLE(sysctl_handle_int, int)
__BSDSYNC_SYSCTL_HANDLE(sysctl_handle_long, long)

/* A string of arg2 bytes of room at arg1 (arg2 0: read-only, its length): copied out with
 * its terminator; a new value must fit, and is terminated. */
static inline int sysctl_handle_string(SYSCTL_HANDLER_ARGS)
{
	char *s = (char *)arg1;
	size_t len = __builtin_strlen(s) + 1;
	int error = SYSCTL_OUT(req, s, len);

	(void)oidp;
	if (error || !req->newptr)
		return error;
	if (arg2 <= 0)
		return EPERM;
	len = req->newlen - req->newidx;
	if (len >= (size_t)arg2)
		return EINVAL;
	error = SYSCTL_IN(req, s, len);
	if (!error)
		s[len] = '\0';
	return error;
}
static inline int sysctl_handle_opaque(SYSCTL_HANDLER_ARGS)
{
	int error = SYSCTL_OUT(req, arg1, (size_t)arg2);

	(void)oidp;
	if (error || !req->newptr)
		return error;
	return SYSCTL_IN(req, arg1, (size_t)arg2);
}

/* ---- static declarations: records nothing reads (top of file) ------------------------ */
#define SYSCTL_DECL(name)	extern struct sysctl_oid sysctl_##name
#define SYSCTL_CHILDREN(oidp)	(oidp)
#define SYSCTL_STATIC_CHILDREN(oid_name) (&sysctl_##oid_name)
#define SYSCTL_PARENT(oidp)	((struct sysctl_oid *)0)
#define SYSCTL_NULL_INT_PTR	((int *)0)
#define SYSCTL_NULL_UINT_PTR	((unsigned int *)0)
#define SYSCTL_NULL_LONG_PTR	((long *)0)
#define SYSCTL_NULL_ULONG_PTR	((unsigned long *)0)
#define SYSCTL_NULL_U64_PTR	((uint64_t *)0)

#define __BSDSYNC_SYSCTL_REC(storage, parent, name, kind, a1, a2, handler, fmt, descr) \
	storage struct sysctl_oid sysctl_##parent##_##name __attribute__((__unused__)) = { \
		#name, (kind), (void *)(a1), (intmax_t)(a2), (handler), (fmt), (descr) }

#define SYSCTL_OID(parent, nbr, name, kind, a1, a2, handler, fmt, descr)	\
	__BSDSYNC_SYSCTL_REC(static, parent, name, kind, a1, a2, handler, fmt, descr)
#define SYSCTL_OID_WITH_LABEL(parent, nbr, name, kind, a1, a2, handler, fmt, descr, label) \
	SYSCTL_OID(parent, nbr, name, kind, a1, a2, handler, fmt, descr)
/* A node: global as in FreeBSD (`static SYSCTL_NODE(...)` makes it file-local). */
#define SYSCTL_NODE(parent, nbr, name, access, handler, descr)			\
	__BSDSYNC_SYSCTL_REC(, parent, name, CTLTYPE_NODE | (access), 0, 0, handler, "N", descr)
#define SYSCTL_NODE_WITH_LABEL(parent, nbr, name, access, handler, descr, label) \
	SYSCTL_NODE(parent, nbr, name, access, handler, descr)
#define SYSCTL_ROOT_NODE(nbr, name, access, handler, descr)			\
	SYSCTL_NODE(, nbr, name, access, handler, descr)

#define __BSDSYNC_SYSCTL_LEAF(parent, name, type, access, ptr, val, handler, fmt, descr) \
	SYSCTL_OID(parent, 0, name, (type) | (access), ptr, val, handler, fmt, descr)

#define SYSCTL_BOOL(parent, nbr, name, access, ptr, val, descr)		\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_U8, access, ptr, val, sysctl_handle_bool, "CU", descr)
#define SYSCTL_S8(parent, nbr, name, access, ptr, val, descr)			\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_S8, access, ptr, val, sysctl_handle_8, "C", descr)
#define SYSCTL_U8(parent, nbr, name, access, ptr, val, descr)			\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_U8, access, ptr, val, sysctl_handle_8, "CU", descr)
#define SYSCTL_S16(parent, nbr, name, access, ptr, val, descr)			\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_S16, access, ptr, val, sysctl_handle_16, "S", descr)
#define SYSCTL_U16(parent, nbr, name, access, ptr, val, descr)			\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_U16, access, ptr, val, sysctl_handle_16, "SU", descr)
#define SYSCTL_S32(parent, nbr, name, access, ptr, val, descr)			\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_S32, access, ptr, val, sysctl_handle_32, "I", descr)
#define SYSCTL_U32(parent, nbr, name, access, ptr, val, descr)			\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_U32, access, ptr, val, sysctl_handle_32, "IU", descr)
#define SYSCTL_S64(parent, nbr, name, access, ptr, val, descr)			\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_S64, access, ptr, val, sysctl_handle_64, "Q", descr)
#define SYSCTL_U64(parent, nbr, name, access, ptr, val, descr)			\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_U64, access, ptr, val, sysctl_handle_64, "QU", descr)
#define SYSCTL_INT(parent, nbr, name, access, ptr, val, descr)			\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_INT, access, ptr, val, sysctl_handle_int, "I", descr)
#define SYSCTL_UINT(parent, nbr, name, access, ptr, val, descr)		\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_UINT, access, ptr, val, sysctl_handle_int, "IU", descr)
#define SYSCTL_LONG(parent, nbr, name, access, ptr, val, descr)		\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_LONG, access, ptr, val, sysctl_handle_long, "L", descr)
#define SYSCTL_ULONG(parent, nbr, name, access, ptr, val, descr)		\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_ULONG, access, ptr, val, sysctl_handle_long, "LU", descr)
#define SYSCTL_QUAD(parent, nbr, name, access, ptr, val, descr)		\
	SYSCTL_S64(parent, nbr, name, access, ptr, val, descr)
#define SYSCTL_UQUAD(parent, nbr, name, access, ptr, val, descr)		\
	SYSCTL_U64(parent, nbr, name, access, ptr, val, descr)
#define SYSCTL_INT_WITH_LABEL(parent, nbr, name, access, ptr, val, descr, label) \
	SYSCTL_INT(parent, nbr, name, access, ptr, val, descr)
#define SYSCTL_STRING(parent, nbr, name, access, arg, len, descr)		\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_STRING, access, arg, len,	\
			      sysctl_handle_string, "A", descr)
#define SYSCTL_CONST_STRING(parent, nbr, name, access, arg, descr)		\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_STRING, access, (const void *)(arg), 0, \
			      sysctl_handle_string, "A", descr)
#define SYSCTL_OPAQUE(parent, nbr, name, access, ptr, len, fmt, descr)		\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_OPAQUE, access, ptr, len,	\
			      sysctl_handle_opaque, fmt, descr)
#define SYSCTL_STRUCT(parent, nbr, name, access, ptr, type, descr)		\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_OPAQUE, access, ptr, sizeof(struct type), \
			      sysctl_handle_opaque, "S," #type, descr)
#define SYSCTL_COUNTER_U64(parent, nbr, name, access, ptr, descr)		\
	__BSDSYNC_SYSCTL_LEAF(parent, name, CTLTYPE_U64, access, ptr, 0,	\
			      sysctl_handle_64, "QU", descr)
#define SYSCTL_PROC(parent, nbr, name, access, ptr, arg, handler, fmt, descr)	\
	SYSCTL_OID(parent, nbr, name, access, ptr, arg, handler, fmt, descr)

/* Loader tunables: no loader environment; the variable keeps its value. */
#define __BSDSYNC_TUNABLE_NAME2(line)	__bsd_tunable_##line
#define __BSDSYNC_TUNABLE_NAME(line)	__BSDSYNC_TUNABLE_NAME2(line)
#define __BSDSYNC_TUNABLE(path, var)						\
	static const void *const __BSDSYNC_TUNABLE_NAME(__LINE__)		\
		__attribute__((__unused__)) = (const void *)(var)
#define TUNABLE_INT(path, var)		__BSDSYNC_TUNABLE(path, var)
#define TUNABLE_LONG(path, var)		__BSDSYNC_TUNABLE(path, var)
#define TUNABLE_ULONG(path, var)	__BSDSYNC_TUNABLE(path, var)
#define TUNABLE_INT64(path, var)	__BSDSYNC_TUNABLE(path, var)
#define TUNABLE_UINT64(path, var)	__BSDSYNC_TUNABLE(path, var)
#define TUNABLE_QUAD(path, var)		__BSDSYNC_TUNABLE(path, var)
#define TUNABLE_STR(path, var, size)	__BSDSYNC_TUNABLE(path, var)
#define TUNABLE_BOOL(path, var)		__BSDSYNC_TUNABLE(path, var)

/* FreeBSD's top-level nodes, declared so that children of them compile (their records are
 * never referenced: see the top of the file). */
SYSCTL_DECL(_kern);
SYSCTL_DECL(_hw);
SYSCTL_DECL(_debug);
SYSCTL_DECL(_net);
SYSCTL_DECL(_vm);
SYSCTL_DECL(_vfs);
SYSCTL_DECL(_dev);
SYSCTL_DECL(_machdep);
SYSCTL_DECL(_security);

#endif /* !_BSDSYNC_FREEBSD_SYS_SYSCTL_H_ */
