/*
 * <sys/msgport.h> for drivers ported from DragonFly BSD: LWKT messages and ports,
 * msgport(9): the structures, the flags, the port initialisers and the operations that
 * are functions in DragonFly. Inlines in <sys/msgport2.h>. Thread, spin, serializer,
 * reply-only, put-only and panic ports. A thread's own port (DragonFly's &td->td_msgport:
 * thread_t is opaque here) is lwkt_thread_port(td). module/dragonfly/msgport.cpp has the
 * semantics.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_MSGPORT_H_
#define _BSDSYNC_DRAGONFLY_SYS_MSGPORT_H_

#include <sys/types.h>
#include <sys/errno.h>
#include <sys/spinlock.h>
#include <sys/serialize.h>
#include <bsdsync/dragonfly/msgport.h>

typedef struct lwkt_msg *lwkt_msg_t;
typedef struct lwkt_port *lwkt_port_t;

#define EASYNC			BSDSYNC_DFLY_EASYNC

#define MSGF_DONE		BSDSYNC_DFLY_MSGF_DONE
#define MSGF_REPLY		BSDSYNC_DFLY_MSGF_REPLY
#define MSGF_QUEUED		BSDSYNC_DFLY_MSGF_QUEUED
#define MSGF_SYNC		BSDSYNC_DFLY_MSGF_SYNC
#define MSGF_INTRANSIT		BSDSYNC_DFLY_MSGF_INTRANSIT
#define MSGF_WAITING		BSDSYNC_DFLY_MSGF_WAITING
#define MSGF_DROPABLE		BSDSYNC_DFLY_MSGF_DROPABLE
#define MSGF_ABORTABLE		BSDSYNC_DFLY_MSGF_ABORTABLE
#define MSGF_PRIORITY		BSDSYNC_DFLY_MSGF_PRIORITY
#define MSGF_USER0		BSDSYNC_DFLY_MSGF_USER0
#define MSGF_USER1		BSDSYNC_DFLY_MSGF_USER1
#define MSGF_USER2		BSDSYNC_DFLY_MSGF_USER2
#define MSGF_USER3		BSDSYNC_DFLY_MSGF_USER3
#define MSGPORTF_WAITING	BSDSYNC_DFLY_MSGPORTF_WAITING

#define lwkt_initport_thread(port, td)		dfly_lwkt_initport_thread((port), (td))
/* bsdsync: DragonFly writes &td->td_msgport. */
#define lwkt_thread_port(td)			dfly_lwkt_thread_port((td))
#define lwkt_initport_spin(port, td, fixed)	dfly_lwkt_initport_spin((port), (td), (fixed))
#define lwkt_initport_serialize(port, slz)	dfly_lwkt_initport_serialize((port), (slz))
#define lwkt_initport_panic(port)		dfly_lwkt_initport_panic((port))
#define lwkt_initport_replyonly_null(port)	dfly_lwkt_initport_replyonly_null((port))
#define lwkt_initport_replyonly(port, fn)	dfly_lwkt_initport_replyonly((port), (fn))
#define lwkt_initport_putonly(port, fn)		dfly_lwkt_initport_putonly((port), (fn))
#define lwkt_sendmsg(port, msg)			dfly_lwkt_sendmsg((port), (msg))
#define lwkt_domsg(port, msg, flags)		dfly_lwkt_domsg((port), (msg), (flags))
#define lwkt_forwardmsg(port, msg)		dfly_lwkt_forwardmsg((port), (msg))
#define lwkt_replymsg(msg, error)		dfly_lwkt_replymsg((msg), (error))
#define lwkt_abortmsg(msg)			dfly_lwkt_abortmsg((msg))
#define lwkt_dropmsg(msg)			dfly_lwkt_dropmsg((msg))

#endif
