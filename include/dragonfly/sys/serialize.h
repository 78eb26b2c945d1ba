/*
 * <sys/serialize.h> for drivers ported from DragonFly BSD: serializer(9), lwkt_serialize.
 * An exclusive lock held across blocking (tsleep keeps it), not recursive (a recursion is
 * reported), with the interrupt-handler gate. lwkt_serialize_try returns 1 on success
 * (the code; the man page says 0); lwkt_serialize_handler_try returns 0 if the handler ran.
 * module/dragonfly/serialize.cpp has the semantics.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_SERIALIZE_H_
#define _BSDSYNC_DRAGONFLY_SYS_SERIALIZE_H_

#include <sys/types.h>
#include <bsdsync/dragonfly/serialize.h>

typedef struct lwkt_serialize *lwkt_serialize_t;

#define LWKT_SERIALIZE_INITIALIZER	{ 0, 0, 0 }

static inline void lwkt_serialize_init(lwkt_serialize_t s)
{
	__atomic_store_n(&s->interlock, 0u, __ATOMIC_RELAXED);
	s->pad = 0;
	s->last_td = 0;
}

#define lwkt_serialize_enter(s)		dfly_lwkt_serialize_enter((s), __FILE__, __LINE__)
#define lwkt_serialize_adaptive_enter(s)					\
	dfly_lwkt_serialize_adaptive_enter((s), __FILE__, __LINE__)
#define lwkt_serialize_try(s)		dfly_lwkt_serialize_try((s), __FILE__, __LINE__)
#define lwkt_serialize_exit(s)		dfly_lwkt_serialize_exit((s), __FILE__, __LINE__)
#define lwkt_serialize_handler_disable(s)	dfly_lwkt_serialize_handler_disable((s))
#define lwkt_serialize_handler_enable(s)	dfly_lwkt_serialize_handler_enable((s))
#define lwkt_serialize_handler_call(s, func, arg, frame)			\
	dfly_lwkt_serialize_handler_call((s), (func), (arg), (frame), __FILE__, __LINE__)
#define lwkt_serialize_handler_try(s, func, arg, frame)				\
	dfly_lwkt_serialize_handler_try((s), (func), (arg), (frame), __FILE__, __LINE__)
#define IS_SERIALIZED(s)		dfly_lwkt_serialize_is_serialized((s))
#define ASSERT_SERIALIZED(s)		dfly_lwkt_serialize_assert((s), 1, __FILE__, __LINE__)
#define ASSERT_NOT_SERIALIZED(s)	dfly_lwkt_serialize_assert((s), 0, __FILE__, __LINE__)
/* zsleep(9) (DragonFly declares it in <sys/systm.h>): the serializer held again after. */
#define zsleep(ident, s, flags, wmesg, timo)					\
	dfly_zsleep((ident), (s), (flags), (wmesg), (timo), __FILE__, __LINE__)

#endif
