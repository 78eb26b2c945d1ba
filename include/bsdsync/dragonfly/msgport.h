/*
 * bsdsync C ABI: DragonFly's LWKT messages and ports, msgport(9) (<sys/msgport.h>,
 * <sys/msgport2.h>; bsd-api-reference.md section 29). A port is a set of handlers (put, get,
 * wait for a message, wait on a port, reply, drop) over a queue of messages; the message
 * carries its reply port, and the same structure goes back as the reply. Port kinds here:
 * spin (a DragonFly spinlock guards the queue; any thread may receive), serializer (the
 * caller holds the port's lwkt_serialize), reply-only (null: a reply just completes the
 * message; or a function), put-only (a function takes every message), and panic (every
 * operation is a reported misuse), and thread ports (a spin port only its owner thread
 * receives from; every thread has its own, made on first use: dfly_lwkt_thread_port).
 *
 * Message flags are modern DragonFly's (MSGF_*); EASYNC (DragonFly's 99) is what a put
 * handler returns when it queued the message (the reply comes later).
 * module/dragonfly/msgport.cpp has the semantics.
 */
#ifndef _BSDSYNC_DRAGONFLY_MSGPORT_H_
#define _BSDSYNC_DRAGONFLY_MSGPORT_H_

#include <bsdsync/types.h>
#include <bsdsync/errno.h>
#include <bsdsync/dragonfly/spinlock.h>
#include <bsdsync/dragonfly/serialize.h>

BSDSYNC_DRAGONFLY_ABI_BEGIN

#define BSDSYNC_DFLY_EASYNC		99

#define BSDSYNC_DFLY_MSGF_DONE		0x0001
#define BSDSYNC_DFLY_MSGF_REPLY		0x0002
#define BSDSYNC_DFLY_MSGF_QUEUED	0x0004
#define BSDSYNC_DFLY_MSGF_SYNC		0x0008
#define BSDSYNC_DFLY_MSGF_INTRANSIT	0x0010
#define BSDSYNC_DFLY_MSGF_WAITING	0x0020
#define BSDSYNC_DFLY_MSGF_DROPABLE	0x0040
#define BSDSYNC_DFLY_MSGF_ABORTABLE	0x0080
#define BSDSYNC_DFLY_MSGF_PRIORITY	0x0100
#define BSDSYNC_DFLY_MSGF_USER0		0x00010000
#define BSDSYNC_DFLY_MSGF_USER1		0x00020000
#define BSDSYNC_DFLY_MSGF_USER2		0x00040000
#define BSDSYNC_DFLY_MSGF_USER3		0x00080000

#define BSDSYNC_DFLY_MSGPORTF_WAITING	0x0001

struct lwkt_msg;
struct lwkt_port;

struct lwkt_msg {
	struct {
		struct lwkt_msg *tqe_next;
		struct lwkt_msg **tqe_prev;
	} ms_node;			/* on a port's queue while MSGF_QUEUED */
	struct lwkt_port *ms_target_port;
	struct lwkt_port *ms_reply_port;
	void (*ms_abortfn)(struct lwkt_msg *msg);
	volatile int ms_flags;		/* MSGF_*: changed by its owner (see msgport.cpp) */
	int ms_error;
	union {
		void *ms_resultp;
		int ms_result;
		long ms_lresult;
		int ms_fds[2];
		int ms_result32;
		long long ms_result64;
		long long ms_offset;
	} u;
};

struct lwkt_port {
	struct {
		struct lwkt_msg *tqh_first;
		struct lwkt_msg **tqh_last;
	} mp_msgq;
	int mp_flags;			/* MSGPORTF_WAITING */
	int mp_cpuid;
	union {
		struct dfly_spinlock spin;
		struct lwkt_serialize *serialize;
		void *data;
	} mp_u;
	void *mpu_td;
	void *(*mp_getport)(struct lwkt_port *port);
	int (*mp_putport)(struct lwkt_port *port, struct lwkt_msg *msg);
	int (*mp_waitmsg)(struct lwkt_msg *msg, int flags);
	void *(*mp_waitport)(struct lwkt_port *port, int flags);
	void (*mp_replyport)(struct lwkt_port *port, struct lwkt_msg *msg);
	int (*mp_dropmsg)(struct lwkt_port *port, struct lwkt_msg *msg);
	/* bsdsync: a reply-only or put-only port's function */
	void (*mp_rportfn)(struct lwkt_port *port, struct lwkt_msg *msg);
	int (*mp_pportfn)(struct lwkt_port *port, struct lwkt_msg *msg);
	/* bsdsync: lwkt_waitmsg callers asleep on a synchronous message replied to this port
	 * (under the port's lock; they sleep on the message, which carries no mark) */
	int mp_msgwaiters;
};

/* A thread port owned by td (NULL: the caller); only td may receive from it. */
void dfly_lwkt_initport_thread(struct lwkt_port *port, struct thread *td);
/* td's own port (NULL: the caller's), made on first use; NULL (reported) for a thread that
 * has not used bsdsync yet, or in interrupt context. */
struct lwkt_port *dfly_lwkt_thread_port(struct thread *td);
void dfly_lwkt_initport_spin(struct lwkt_port *port, void *td, int fixed_cpuid);
void dfly_lwkt_initport_serialize(struct lwkt_port *port, struct lwkt_serialize *slz);
void dfly_lwkt_initport_panic(struct lwkt_port *port);
void dfly_lwkt_initport_replyonly_null(struct lwkt_port *port);
void dfly_lwkt_initport_replyonly(struct lwkt_port *port,
				  void (*rportfn)(struct lwkt_port *, struct lwkt_msg *));
void dfly_lwkt_initport_putonly(struct lwkt_port *port,
				int (*pportfn)(struct lwkt_port *, struct lwkt_msg *));
void dfly_lwkt_sendmsg(struct lwkt_port *port, struct lwkt_msg *msg);
int dfly_lwkt_domsg(struct lwkt_port *port, struct lwkt_msg *msg, int flags);
int dfly_lwkt_forwardmsg(struct lwkt_port *port, struct lwkt_msg *msg);
void dfly_lwkt_replymsg(struct lwkt_msg *msg, int error);
void dfly_lwkt_abortmsg(struct lwkt_msg *msg);
/* lwkt_getport: the port's get handler (a spin port's without an indirect call). */
void *dfly_lwkt_getport(struct lwkt_port *port);
int dfly_lwkt_dropmsg(struct lwkt_msg *msg);

BSDSYNC_DRAGONFLY_ABI_END

#endif
