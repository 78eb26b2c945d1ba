/*
 * <sys/msgport2.h> for drivers ported from DragonFly BSD: the msgport(9) inlines.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_MSGPORT2_H_
#define _BSDSYNC_DRAGONFLY_SYS_MSGPORT2_H_

#include <sys/msgport.h>

/* An unsent message is done; its replies go to rport. */
static inline void lwkt_initmsg(lwkt_msg_t msg, lwkt_port_t rport, int flags)
{
	msg->ms_flags = MSGF_DONE | flags;
	msg->ms_reply_port = rport;
	msg->ms_target_port = 0;
	msg->ms_abortfn = 0;
}

static inline void lwkt_initmsg_abortable(lwkt_msg_t msg, lwkt_port_t rport, int flags,
					  void (*abortfn)(lwkt_msg_t))
{
	lwkt_initmsg(msg, rport, flags | MSGF_ABORTABLE);
	msg->ms_abortfn = abortfn;
}

/* The target port's put handler: EASYNC if it queued the message. */
static inline int lwkt_beginmsg(lwkt_port_t port, lwkt_msg_t msg)
{
	return port->mp_putport(port, msg);
}

/* Wait for the reply (the reply port's handler); ms_error. */
static inline int lwkt_waitmsg(lwkt_msg_t msg, int flags)
{
	return msg->ms_reply_port->mp_waitmsg(msg, flags);
}

/* Nonzero when the message is done (replied, or never sent). */
static inline int lwkt_checkmsg(lwkt_msg_t msg)
{
	return __atomic_load_n(&msg->ms_flags, __ATOMIC_ACQUIRE) & MSGF_DONE;
}

/* The next message of the port, or NULL (the port's get handler, through the module: a
 * spin port's is called there directly, no indirect branch). */
static inline void *lwkt_getport(lwkt_port_t port)
{
	return dfly_lwkt_getport(port);
}

/* The next message, sleeping (flags: PCATCH) until one comes; NULL on a signal. */
static inline void *lwkt_waitport(lwkt_port_t port, int flags)
{
	return port->mp_waitport(port, flags);
}

#endif
