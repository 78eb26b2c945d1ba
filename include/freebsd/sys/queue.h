/*
 * <sys/queue.h> for ported FreeBSD drivers: queue(3), the intrusive list macros.
 *
 * Four families, each a head struct and an entry struct embedded in the element:
 *   SLIST   singly linked list: head -> first; entry -> next.
 *   STAILQ  singly linked tail queue: head -> first and -> the last element's next pointer
 *           (or the head's own first pointer when empty), so INSERT_TAIL is O(1).
 *   LIST    doubly linked list: entry -> next and -> the previous element's next pointer
 *           (or the head's first pointer), so REMOVE is O(1) without the head.
 *   TAILQ   doubly linked tail queue: as LIST, plus the head's pointer to the last element's
 *           next pointer.
 * TAILQ_LAST and TAILQ_PREV use FreeBSD's layout equivalence: a TAILQ head and a TAILQ entry
 * are both { first/next, pointer to a next pointer }, so a pointer to the pointer that
 * points at an element can be read as a head whose tqh_last leads to that element's
 * predecessor's next pointer. Hence the `headname` argument those two macros take, as in
 * FreeBSD. The _SAFE iterators read the next element before the body runs, so the body may
 * remove (and free) the current element.
 *
 * Linux's <linux/list.h> defines LIST_HEAD(name) (a list_head variable), unguarded. It is
 * included here first and LIST_HEAD then dispatches on its number of arguments: two
 * (name, type) are FreeBSD's head struct, one is Linux's variable, so both headers may come
 * in either order and both uses compile in one file.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_QUEUE_H_
#define _BSDSYNC_FREEBSD_SYS_QUEUE_H_

#include <sys/cdefs.h>
#ifdef __KERNEL__
#include <linux/list.h>
#endif
#ifndef NULL
#define NULL ((void *)0)
#endif

/* FreeBSD's queue debugging (QUEUE_MACRO_DEBUG_*) is not provided: these are no-ops. */
#define QMD_SAVELINK(name, link)
#define TRASHIT(x)
#define QMD_IS_TRASHED(x)	0
#define QMD_TRACE_HEAD(head)
#define QMD_TRACE_ELEM(elem)

#define QUEUE_TYPEOF(type)	struct type

/* ---- SLIST ------------------------------------------------------------------------------ */
#define SLIST_HEAD(name, type)							\
struct name {									\
	struct type *slh_first;							\
}
#define SLIST_CLASS_HEAD(name, type)						\
struct name {									\
	class type *slh_first;							\
}
#define SLIST_HEAD_INITIALIZER(head)	{ NULL }
#define SLIST_ENTRY(type)							\
struct {									\
	struct type *sle_next;							\
}
#define SLIST_CLASS_ENTRY(type)							\
struct {									\
	class type *sle_next;							\
}

#define SLIST_EMPTY(head)	((head)->slh_first == NULL)
#define SLIST_FIRST(head)	((head)->slh_first)
#define SLIST_END(head)		NULL
#define SLIST_NEXT(elm, field)	((elm)->field.sle_next)

#define SLIST_FOREACH(var, head, field)						\
	for ((var) = SLIST_FIRST((head)); (var); (var) = SLIST_NEXT((var), field))
#define SLIST_FOREACH_FROM(var, head, field)					\
	for ((var) = ((var) ? (var) : SLIST_FIRST((head)));			\
	     (var); (var) = SLIST_NEXT((var), field))
#define SLIST_FOREACH_SAFE(var, head, field, tvar)				\
	for ((var) = SLIST_FIRST((head));					\
	     (var) && ((tvar) = SLIST_NEXT((var), field), 1);			\
	     (var) = (tvar))
#define SLIST_FOREACH_FROM_SAFE(var, head, field, tvar)				\
	for ((var) = ((var) ? (var) : SLIST_FIRST((head)));			\
	     (var) && ((tvar) = SLIST_NEXT((var), field), 1);			\
	     (var) = (tvar))
/* varp walks the pointers that point at each element: *varp = NEXT removes var. */
#define SLIST_FOREACH_PREVPTR(var, varp, head, field)				\
	for ((varp) = &SLIST_FIRST((head));					\
	     ((var) = *(varp)) != NULL;						\
	     (varp) = &SLIST_NEXT((var), field))

#define SLIST_INIT(head) do {							\
	SLIST_FIRST((head)) = NULL;						\
} while (0)

#define SLIST_INSERT_AFTER(slistelm, elm, field) do {				\
	SLIST_NEXT((elm), field) = SLIST_NEXT((slistelm), field);		\
	SLIST_NEXT((slistelm), field) = (elm);					\
} while (0)

#define SLIST_INSERT_HEAD(head, elm, field) do {				\
	SLIST_NEXT((elm), field) = SLIST_FIRST((head));				\
	SLIST_FIRST((head)) = (elm);						\
} while (0)

#define SLIST_REMOVE_AFTER(elm, field) do {					\
	SLIST_NEXT((elm), field) = SLIST_NEXT(SLIST_NEXT((elm), field), field);	\
} while (0)

#define SLIST_REMOVE_HEAD(head, field) do {					\
	SLIST_FIRST((head)) = SLIST_NEXT(SLIST_FIRST((head)), field);		\
} while (0)

#define SLIST_REMOVE_PREVPTR(prevp, elm, field) do {				\
	*(prevp) = SLIST_NEXT((elm), field);					\
} while (0)

/* O(n): walks from the head to the element before elm. */
#define SLIST_REMOVE(head, elm, type, field) do {				\
	if (SLIST_FIRST((head)) == (elm)) {					\
		SLIST_REMOVE_HEAD((head), field);				\
	} else {								\
		QUEUE_TYPEOF(type) *__bsd_cur = SLIST_FIRST((head));		\
		while (SLIST_NEXT(__bsd_cur, field) != (elm))			\
			__bsd_cur = SLIST_NEXT(__bsd_cur, field);		\
		SLIST_REMOVE_AFTER(__bsd_cur, field);				\
	}									\
} while (0)

/* Appends head2's elements to head1 (O(length of head1)); head2 ends up empty. */
#define SLIST_CONCAT(head1, head2, type, field) do {				\
	QUEUE_TYPEOF(type) *__bsd_last = SLIST_FIRST((head1));			\
	if (__bsd_last == NULL) {						\
		SLIST_FIRST((head1)) = SLIST_FIRST((head2));			\
	} else if (SLIST_FIRST((head2)) != NULL) {				\
		while (SLIST_NEXT(__bsd_last, field) != NULL)			\
			__bsd_last = SLIST_NEXT(__bsd_last, field);		\
		SLIST_NEXT(__bsd_last, field) = SLIST_FIRST((head2));		\
	}									\
	SLIST_INIT((head2));							\
} while (0)

#define SLIST_SWAP(head1, head2, type) do {					\
	QUEUE_TYPEOF(type) *__bsd_swap_first = SLIST_FIRST((head1));		\
	SLIST_FIRST((head1)) = SLIST_FIRST((head2));				\
	SLIST_FIRST((head2)) = __bsd_swap_first;				\
} while (0)

/* ---- STAILQ ----------------------------------------------------------------------------- */
#define STAILQ_HEAD(name, type)							\
struct name {									\
	struct type *stqh_first;	/* first element */			\
	struct type **stqh_last;	/* the last element's next pointer */	\
}
#define STAILQ_CLASS_HEAD(name, type)						\
struct name {									\
	class type *stqh_first;							\
	class type **stqh_last;							\
}
#define STAILQ_HEAD_INITIALIZER(head)	{ NULL, &(head).stqh_first }
#define STAILQ_ENTRY(type)							\
struct {									\
	struct type *stqe_next;							\
}
#define STAILQ_CLASS_ENTRY(type)						\
struct {									\
	class type *stqe_next;							\
}

#define STAILQ_EMPTY(head)	((head)->stqh_first == NULL)
#define STAILQ_FIRST(head)	((head)->stqh_first)
#define STAILQ_END(head)	NULL
#define STAILQ_NEXT(elm, field)	((elm)->field.stqe_next)
/* The last element: stqh_last points at its stqe_next member. */
#define STAILQ_LAST(head, type, field)						\
	(STAILQ_EMPTY((head)) ? NULL :						\
	 __containerof((head)->stqh_last, QUEUE_TYPEOF(type), field.stqe_next))

#define STAILQ_FOREACH(var, head, field)					\
	for ((var) = STAILQ_FIRST((head)); (var); (var) = STAILQ_NEXT((var), field))
#define STAILQ_FOREACH_FROM(var, head, field)					\
	for ((var) = ((var) ? (var) : STAILQ_FIRST((head)));			\
	     (var); (var) = STAILQ_NEXT((var), field))
#define STAILQ_FOREACH_SAFE(var, head, field, tvar)				\
	for ((var) = STAILQ_FIRST((head));					\
	     (var) && ((tvar) = STAILQ_NEXT((var), field), 1);			\
	     (var) = (tvar))
#define STAILQ_FOREACH_FROM_SAFE(var, head, field, tvar)			\
	for ((var) = ((var) ? (var) : STAILQ_FIRST((head)));			\
	     (var) && ((tvar) = STAILQ_NEXT((var), field), 1);			\
	     (var) = (tvar))

#define STAILQ_INIT(head) do {							\
	STAILQ_FIRST((head)) = NULL;						\
	(head)->stqh_last = &STAILQ_FIRST((head));				\
} while (0)

#define STAILQ_INSERT_AFTER(head, tqelm, elm, field) do {			\
	if ((STAILQ_NEXT((elm), field) = STAILQ_NEXT((tqelm), field)) == NULL)	\
		(head)->stqh_last = &STAILQ_NEXT((elm), field);			\
	STAILQ_NEXT((tqelm), field) = (elm);					\
} while (0)

#define STAILQ_INSERT_HEAD(head, elm, field) do {				\
	if ((STAILQ_NEXT((elm), field) = STAILQ_FIRST((head))) == NULL)		\
		(head)->stqh_last = &STAILQ_NEXT((elm), field);			\
	STAILQ_FIRST((head)) = (elm);						\
} while (0)

#define STAILQ_INSERT_TAIL(head, elm, field) do {				\
	STAILQ_NEXT((elm), field) = NULL;					\
	*(head)->stqh_last = (elm);						\
	(head)->stqh_last = &STAILQ_NEXT((elm), field);				\
} while (0)

#define STAILQ_REMOVE_AFTER(head, elm, field) do {				\
	if ((STAILQ_NEXT((elm), field) =					\
	     STAILQ_NEXT(STAILQ_NEXT((elm), field), field)) == NULL)		\
		(head)->stqh_last = &STAILQ_NEXT((elm), field);			\
} while (0)

#define STAILQ_REMOVE_HEAD(head, field) do {					\
	if ((STAILQ_FIRST((head)) =						\
	     STAILQ_NEXT(STAILQ_FIRST((head)), field)) == NULL)			\
		(head)->stqh_last = &STAILQ_FIRST((head));			\
} while (0)

/* O(n): walks from the head to the element before elm. */
#define STAILQ_REMOVE(head, elm, type, field) do {				\
	if (STAILQ_FIRST((head)) == (elm)) {					\
		STAILQ_REMOVE_HEAD((head), field);				\
	} else {								\
		QUEUE_TYPEOF(type) *__bsd_cur = STAILQ_FIRST((head));		\
		while (STAILQ_NEXT(__bsd_cur, field) != (elm))			\
			__bsd_cur = STAILQ_NEXT(__bsd_cur, field);		\
		STAILQ_REMOVE_AFTER((head), __bsd_cur, field);			\
	}									\
} while (0)

/* Appends head2's elements to head1 in O(1); head2 ends up empty. */
#define STAILQ_CONCAT(head1, head2) do {					\
	if (!STAILQ_EMPTY((head2))) {						\
		*(head1)->stqh_last = (head2)->stqh_first;			\
		(head1)->stqh_last = (head2)->stqh_last;			\
		STAILQ_INIT((head2));						\
	}									\
} while (0)

/* Exchanges the contents; an empty list's last pointer must point at its own head. */
#define STAILQ_SWAP(head1, head2, type) do {					\
	QUEUE_TYPEOF(type) *__bsd_swap_first = STAILQ_FIRST((head1));		\
	QUEUE_TYPEOF(type) **__bsd_swap_last = (head1)->stqh_last;		\
	STAILQ_FIRST((head1)) = STAILQ_FIRST((head2));				\
	(head1)->stqh_last = (head2)->stqh_last;				\
	STAILQ_FIRST((head2)) = __bsd_swap_first;				\
	(head2)->stqh_last = __bsd_swap_last;					\
	if (STAILQ_EMPTY((head1)))						\
		(head1)->stqh_last = &STAILQ_FIRST((head1));			\
	if (STAILQ_EMPTY((head2)))						\
		(head2)->stqh_last = &STAILQ_FIRST((head2));			\
} while (0)

/* Reverses the order of the elements in place. */
#define STAILQ_REVERSE(head, type, field) do {					\
	QUEUE_TYPEOF(type) *__bsd_var = STAILQ_FIRST((head));			\
	QUEUE_TYPEOF(type) *__bsd_prev = NULL, *__bsd_next;			\
	if (__bsd_var != NULL)							\
		(head)->stqh_last = &STAILQ_NEXT(__bsd_var, field);		\
	while (__bsd_var != NULL) {						\
		__bsd_next = STAILQ_NEXT(__bsd_var, field);			\
		STAILQ_NEXT(__bsd_var, field) = __bsd_prev;			\
		__bsd_prev = __bsd_var;						\
		__bsd_var = __bsd_next;						\
	}									\
	STAILQ_FIRST((head)) = __bsd_prev;					\
} while (0)

/* ---- LIST ------------------------------------------------------------------------------- */
#define __bsd_LIST_HEAD(name, type)						\
struct name {									\
	struct type *lh_first;							\
}
#define __linux_LIST_HEAD(name)	struct list_head name = LIST_HEAD_INIT(name)
#define __BSDSYNC_QARG3(a1, a2, a3, ...) a3
#undef LIST_HEAD
#define LIST_HEAD(...)								\
	__BSDSYNC_QARG3(__VA_ARGS__, __bsd_LIST_HEAD, __linux_LIST_HEAD)(__VA_ARGS__)
#define LIST_CLASS_HEAD(name, type)						\
struct name {									\
	class type *lh_first;							\
}
#define LIST_HEAD_INITIALIZER(head)	{ NULL }
#define LIST_ENTRY(type)							\
struct {									\
	struct type *le_next;		/* next element */			\
	struct type **le_prev;		/* the pointer that points at this one */ \
}
#define LIST_CLASS_ENTRY(type)							\
struct {									\
	class type *le_next;							\
	class type **le_prev;							\
}

#define LIST_EMPTY(head)	((head)->lh_first == NULL)
#define LIST_FIRST(head)	((head)->lh_first)
#define LIST_END(head)		NULL
#define LIST_NEXT(elm, field)	((elm)->field.le_next)
/* The previous element, or NULL for the first (whose le_prev points into the head). */
#define LIST_PREV(elm, head, type, field)					\
	((elm)->field.le_prev == &LIST_FIRST((head)) ? NULL :			\
	 __containerof((elm)->field.le_prev, QUEUE_TYPEOF(type), field.le_next))

#define LIST_FOREACH(var, head, field)						\
	for ((var) = LIST_FIRST((head)); (var); (var) = LIST_NEXT((var), field))
#define LIST_FOREACH_FROM(var, head, field)					\
	for ((var) = ((var) ? (var) : LIST_FIRST((head)));			\
	     (var); (var) = LIST_NEXT((var), field))
#define LIST_FOREACH_SAFE(var, head, field, tvar)				\
	for ((var) = LIST_FIRST((head));					\
	     (var) && ((tvar) = LIST_NEXT((var), field), 1);			\
	     (var) = (tvar))
#define LIST_FOREACH_FROM_SAFE(var, head, field, tvar)				\
	for ((var) = ((var) ? (var) : LIST_FIRST((head)));			\
	     (var) && ((tvar) = LIST_NEXT((var), field), 1);			\
	     (var) = (tvar))

#define LIST_INIT(head) do {							\
	LIST_FIRST((head)) = NULL;						\
} while (0)

#define LIST_INSERT_AFTER(listelm, elm, field) do {				\
	if ((LIST_NEXT((elm), field) = LIST_NEXT((listelm), field)) != NULL)	\
		LIST_NEXT((listelm), field)->field.le_prev =			\
		    &LIST_NEXT((elm), field);					\
	LIST_NEXT((listelm), field) = (elm);					\
	(elm)->field.le_prev = &LIST_NEXT((listelm), field);			\
} while (0)

#define LIST_INSERT_BEFORE(listelm, elm, field) do {				\
	(elm)->field.le_prev = (listelm)->field.le_prev;			\
	LIST_NEXT((elm), field) = (listelm);					\
	*(listelm)->field.le_prev = (elm);					\
	(listelm)->field.le_prev = &LIST_NEXT((elm), field);			\
} while (0)

#define LIST_INSERT_HEAD(head, elm, field) do {					\
	if ((LIST_NEXT((elm), field) = LIST_FIRST((head))) != NULL)		\
		LIST_FIRST((head))->field.le_prev = &LIST_NEXT((elm), field);	\
	LIST_FIRST((head)) = (elm);						\
	(elm)->field.le_prev = &LIST_FIRST((head));				\
} while (0)

#define LIST_REMOVE(elm, field) do {						\
	if (LIST_NEXT((elm), field) != NULL)					\
		LIST_NEXT((elm), field)->field.le_prev = (elm)->field.le_prev;	\
	*(elm)->field.le_prev = LIST_NEXT((elm), field);			\
} while (0)

#define LIST_REMOVE_HEAD(head, field)	LIST_REMOVE(LIST_FIRST((head)), field)

/* Appends head2's elements to head1 (O(length of head1)); head2 ends up empty. */
#define LIST_CONCAT(head1, head2, type, field) do {				\
	QUEUE_TYPEOF(type) *__bsd_cur = LIST_FIRST((head1));			\
	if (__bsd_cur == NULL) {						\
		if ((LIST_FIRST((head1)) = LIST_FIRST((head2))) != NULL)	\
			LIST_FIRST((head2))->field.le_prev = &LIST_FIRST((head1)); \
	} else if (LIST_FIRST((head2)) != NULL) {				\
		while (LIST_NEXT(__bsd_cur, field) != NULL)			\
			__bsd_cur = LIST_NEXT(__bsd_cur, field);		\
		LIST_NEXT(__bsd_cur, field) = LIST_FIRST((head2));		\
		LIST_FIRST((head2))->field.le_prev = &LIST_NEXT(__bsd_cur, field); \
	}									\
	LIST_INIT((head2));							\
} while (0)

/* Exchanges the contents; the first elements' back pointers follow their new heads. */
#define LIST_SWAP(head1, head2, type, field) do {				\
	QUEUE_TYPEOF(type) *__bsd_swap_tmp = LIST_FIRST((head1));		\
	LIST_FIRST((head1)) = LIST_FIRST((head2));				\
	LIST_FIRST((head2)) = __bsd_swap_tmp;					\
	if ((__bsd_swap_tmp = LIST_FIRST((head1))) != NULL)			\
		__bsd_swap_tmp->field.le_prev = &LIST_FIRST((head1));		\
	if ((__bsd_swap_tmp = LIST_FIRST((head2))) != NULL)			\
		__bsd_swap_tmp->field.le_prev = &LIST_FIRST((head2));		\
} while (0)

/* ---- TAILQ ------------------------------------------------------------------------------ */
#define TAILQ_HEAD(name, type)							\
struct name {									\
	struct type *tqh_first;		/* first element */			\
	struct type **tqh_last;		/* the last element's next pointer */	\
}
#define TAILQ_CLASS_HEAD(name, type)						\
struct name {									\
	class type *tqh_first;							\
	class type **tqh_last;							\
}
#define TAILQ_HEAD_INITIALIZER(head)	{ NULL, &(head).tqh_first }
#define TAILQ_ENTRY(type)							\
struct {									\
	struct type *tqe_next;		/* next element */			\
	struct type **tqe_prev;		/* the pointer that points at this one */ \
}
#define TAILQ_CLASS_ENTRY(type)							\
struct {									\
	class type *tqe_next;							\
	class type **tqe_prev;							\
}

#define TAILQ_EMPTY(head)	((head)->tqh_first == NULL)
#define TAILQ_FIRST(head)	((head)->tqh_first)
#define TAILQ_END(head)		NULL
#define TAILQ_NEXT(elm, field)	((elm)->field.tqe_next)
/* Layout equivalence (top of file): tqh_last points at the last element's tqe_next, which
 * together with its tqe_prev reads as a head whose tqh_last is that element's tqe_prev. */
#define TAILQ_LAST(head, headname)						\
	(*(((struct headname *)((head)->tqh_last))->tqh_last))
#define TAILQ_PREV(elm, headname, field)					\
	(*(((struct headname *)((elm)->field.tqe_prev))->tqh_last))
/* The same without the head type: from the member's address (FreeBSD 13+). */
#define TAILQ_LAST_FAST(head, type, field)					\
	(TAILQ_EMPTY((head)) ? NULL :						\
	 __containerof((head)->tqh_last, QUEUE_TYPEOF(type), field.tqe_next))
#define TAILQ_PREV_FAST(elm, head, type, field)					\
	((elm)->field.tqe_prev == &(head)->tqh_first ? NULL :			\
	 __containerof((elm)->field.tqe_prev, QUEUE_TYPEOF(type), field.tqe_next))

#define TAILQ_FOREACH(var, head, field)						\
	for ((var) = TAILQ_FIRST((head)); (var); (var) = TAILQ_NEXT((var), field))
#define TAILQ_FOREACH_FROM(var, head, field)					\
	for ((var) = ((var) ? (var) : TAILQ_FIRST((head)));			\
	     (var); (var) = TAILQ_NEXT((var), field))
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)				\
	for ((var) = TAILQ_FIRST((head));					\
	     (var) && ((tvar) = TAILQ_NEXT((var), field), 1);			\
	     (var) = (tvar))
#define TAILQ_FOREACH_FROM_SAFE(var, head, field, tvar)				\
	for ((var) = ((var) ? (var) : TAILQ_FIRST((head)));			\
	     (var) && ((tvar) = TAILQ_NEXT((var), field), 1);			\
	     (var) = (tvar))
#define TAILQ_FOREACH_REVERSE(var, head, headname, field)			\
	for ((var) = TAILQ_LAST((head), headname);				\
	     (var); (var) = TAILQ_PREV((var), headname, field))
#define TAILQ_FOREACH_REVERSE_FROM(var, head, headname, field)			\
	for ((var) = ((var) ? (var) : TAILQ_LAST((head), headname));		\
	     (var); (var) = TAILQ_PREV((var), headname, field))
#define TAILQ_FOREACH_REVERSE_SAFE(var, head, headname, field, tvar)		\
	for ((var) = TAILQ_LAST((head), headname);				\
	     (var) && ((tvar) = TAILQ_PREV((var), headname, field), 1);	\
	     (var) = (tvar))
#define TAILQ_FOREACH_REVERSE_FROM_SAFE(var, head, headname, field, tvar)	\
	for ((var) = ((var) ? (var) : TAILQ_LAST((head), headname));		\
	     (var) && ((tvar) = TAILQ_PREV((var), headname, field), 1);	\
	     (var) = (tvar))

#define TAILQ_INIT(head) do {							\
	TAILQ_FIRST((head)) = NULL;						\
	(head)->tqh_last = &TAILQ_FIRST((head));				\
} while (0)

#define TAILQ_INSERT_AFTER(head, listelm, elm, field) do {			\
	if ((TAILQ_NEXT((elm), field) = TAILQ_NEXT((listelm), field)) != NULL)	\
		TAILQ_NEXT((elm), field)->field.tqe_prev = &TAILQ_NEXT((elm), field); \
	else									\
		(head)->tqh_last = &TAILQ_NEXT((elm), field);			\
	TAILQ_NEXT((listelm), field) = (elm);					\
	(elm)->field.tqe_prev = &TAILQ_NEXT((listelm), field);			\
} while (0)

#define TAILQ_INSERT_BEFORE(listelm, elm, field) do {				\
	(elm)->field.tqe_prev = (listelm)->field.tqe_prev;			\
	TAILQ_NEXT((elm), field) = (listelm);					\
	*(listelm)->field.tqe_prev = (elm);					\
	(listelm)->field.tqe_prev = &TAILQ_NEXT((elm), field);			\
} while (0)

#define TAILQ_INSERT_HEAD(head, elm, field) do {				\
	if ((TAILQ_NEXT((elm), field) = TAILQ_FIRST((head))) != NULL)		\
		TAILQ_FIRST((head))->field.tqe_prev = &TAILQ_NEXT((elm), field); \
	else									\
		(head)->tqh_last = &TAILQ_NEXT((elm), field);			\
	TAILQ_FIRST((head)) = (elm);						\
	(elm)->field.tqe_prev = &TAILQ_FIRST((head));				\
} while (0)

#define TAILQ_INSERT_TAIL(head, elm, field) do {				\
	TAILQ_NEXT((elm), field) = NULL;					\
	(elm)->field.tqe_prev = (head)->tqh_last;				\
	*(head)->tqh_last = (elm);						\
	(head)->tqh_last = &TAILQ_NEXT((elm), field);				\
} while (0)

#define TAILQ_REMOVE(head, elm, field) do {					\
	if (TAILQ_NEXT((elm), field) != NULL)					\
		TAILQ_NEXT((elm), field)->field.tqe_prev = (elm)->field.tqe_prev; \
	else									\
		(head)->tqh_last = (elm)->field.tqe_prev;			\
	*(elm)->field.tqe_prev = TAILQ_NEXT((elm), field);			\
} while (0)

#define TAILQ_REMOVE_HEAD(head, field)	TAILQ_REMOVE((head), TAILQ_FIRST((head)), field)

/* elm2 takes elm's place in the queue. */
#define TAILQ_REPLACE(head, elm, elm2, field) do {				\
	if ((TAILQ_NEXT((elm2), field) = TAILQ_NEXT((elm), field)) != NULL)	\
		TAILQ_NEXT((elm2), field)->field.tqe_prev = &TAILQ_NEXT((elm2), field); \
	else									\
		(head)->tqh_last = &TAILQ_NEXT((elm2), field);			\
	(elm2)->field.tqe_prev = (elm)->field.tqe_prev;				\
	*(elm2)->field.tqe_prev = (elm2);					\
} while (0)

/* Appends head2's elements to head1 in O(1); head2 ends up empty. */
#define TAILQ_CONCAT(head1, head2, field) do {					\
	if (!TAILQ_EMPTY((head2))) {						\
		*(head1)->tqh_last = (head2)->tqh_first;			\
		(head2)->tqh_first->field.tqe_prev = (head1)->tqh_last;		\
		(head1)->tqh_last = (head2)->tqh_last;				\
		TAILQ_INIT((head2));						\
	}									\
} while (0)

/* Exchanges the contents; back pointers into the heads follow. */
#define TAILQ_SWAP(head1, head2, type, field) do {				\
	QUEUE_TYPEOF(type) *__bsd_swap_first = (head1)->tqh_first;		\
	QUEUE_TYPEOF(type) **__bsd_swap_last = (head1)->tqh_last;		\
	(head1)->tqh_first = (head2)->tqh_first;				\
	(head1)->tqh_last = (head2)->tqh_last;					\
	(head2)->tqh_first = __bsd_swap_first;					\
	(head2)->tqh_last = __bsd_swap_last;					\
	if ((__bsd_swap_first = (head1)->tqh_first) != NULL)			\
		__bsd_swap_first->field.tqe_prev = &(head1)->tqh_first;		\
	else									\
		(head1)->tqh_last = &(head1)->tqh_first;			\
	if ((__bsd_swap_first = (head2)->tqh_first) != NULL)			\
		__bsd_swap_first->field.tqe_prev = &(head2)->tqh_first;		\
	else									\
		(head2)->tqh_last = &(head2)->tqh_first;			\
} while (0)

#endif /* !_BSDSYNC_FREEBSD_SYS_QUEUE_H_ */
