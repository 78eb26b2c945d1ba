/*
 * queue(3) (<sys/queue.h>): every macro family, SLIST, STAILQ, LIST and TAILQ, checked by
 * the order a walk sees, forward and (TAILQ) backward, after each operation.
 */
#include <kunit/test.h>

#include <sys/param.h>
#include <sys/queue.h>

struct qe {
	int v;
	SLIST_ENTRY(qe) sl;
	STAILQ_ENTRY(qe) stq;
	LIST_ENTRY(qe) l;
	TAILQ_ENTRY(qe) tq;
};

SLIST_HEAD(qe_slist, qe);
STAILQ_HEAD(qe_stailq, qe);
LIST_HEAD(qe_list, qe);
TAILQ_HEAD(qe_tailq, qe);

#define QMAX 16

static void init_elems(struct qe *e, int n)
{
	for (int i = 0; i < n; i++)
		e[i].v = i;
}

/* The values a walk sees, as a number: digits in order (values < 10), 0 for empty. */
#define WALK(macro, head, field) ({						\
	struct qe *__e; long __r = 0;						\
	macro(__e, (head), field) __r = __r * 10 + __e->v + 1;			\
	__r; })

static void slist_ops(struct kunit *test)
{
	struct qe e[QMAX], *var, *tvar, **varp;
	struct qe_slist h = SLIST_HEAD_INITIALIZER(h), h2;

	init_elems(e, QMAX);
	KUNIT_EXPECT_TRUE(test, SLIST_EMPTY(&h));
	SLIST_INSERT_HEAD(&h, &e[2], sl);
	SLIST_INSERT_HEAD(&h, &e[0], sl);
	SLIST_INSERT_AFTER(&e[0], &e[1], sl);
	SLIST_INSERT_AFTER(&e[2], &e[3], sl);
	KUNIT_EXPECT_EQ(test, WALK(SLIST_FOREACH, &h, sl), 1234L);
	KUNIT_EXPECT_PTR_EQ(test, SLIST_FIRST(&h), &e[0]);
	KUNIT_EXPECT_PTR_EQ(test, SLIST_NEXT(&e[0], sl), &e[1]);
	KUNIT_EXPECT_TRUE(test, SLIST_NEXT(&e[3], sl) == SLIST_END(&h));

	SLIST_REMOVE(&h, &e[2], qe, sl);		/* middle */
	KUNIT_EXPECT_EQ(test, WALK(SLIST_FOREACH, &h, sl), 124L);
	SLIST_REMOVE(&h, &e[0], qe, sl);		/* head */
	KUNIT_EXPECT_EQ(test, WALK(SLIST_FOREACH, &h, sl), 24L);
	SLIST_REMOVE_AFTER(&e[1], sl);
	KUNIT_EXPECT_EQ(test, WALK(SLIST_FOREACH, &h, sl), 2L);
	SLIST_REMOVE_HEAD(&h, sl);
	KUNIT_EXPECT_TRUE(test, SLIST_EMPTY(&h));

	/* _SAFE: remove every element while walking. */
	for (int i = 4; i >= 0; i--)
		SLIST_INSERT_HEAD(&h, &e[i], sl);
	SLIST_FOREACH_SAFE(var, &h, sl, tvar) {
		if (var->v % 2 == 0) {
			SLIST_REMOVE(&h, var, qe, sl);
			var->sl.sle_next = (struct qe *)0x1;	/* the walk must not read it */
		}
	}
	KUNIT_EXPECT_EQ(test, WALK(SLIST_FOREACH, &h, sl), 24L);
	SLIST_INIT(&h);
	for (int i = 4; i >= 0; i--)
		SLIST_INSERT_HEAD(&h, &e[i], sl);
	/* FOREACH_FROM from e[2]; FROM_SAFE from NULL is the whole list. */
	var = &e[2];
	{ long r = 0; SLIST_FOREACH_FROM(var, &h, sl) r = r * 10 + var->v + 1;
	  KUNIT_EXPECT_EQ(test, r, 345L); }
	var = NULL;
	{ long r = 0; SLIST_FOREACH_FROM_SAFE(var, &h, sl, tvar) r = r * 10 + var->v + 1;
	  KUNIT_EXPECT_EQ(test, r, 12345L); }
	/* PREVPTR: remove e[3] through the pointer that points at it. */
	SLIST_FOREACH_PREVPTR(var, varp, &h, sl) {
		if (var->v == 3) {
			SLIST_REMOVE_PREVPTR(varp, var, sl);
			break;
		}
	}
	KUNIT_EXPECT_EQ(test, WALK(SLIST_FOREACH, &h, sl), 1235L);

	/* CONCAT and SWAP */
	SLIST_INIT(&h2);
	SLIST_INSERT_HEAD(&h2, &e[9], sl);
	SLIST_INSERT_HEAD(&h2, &e[8], sl);
	SLIST_CONCAT(&h, &h2, qe, sl);
	KUNIT_EXPECT_EQ(test, WALK(SLIST_FOREACH, &h, sl), 12359L * 10 + 10);
	KUNIT_EXPECT_TRUE(test, SLIST_EMPTY(&h2));
	SLIST_CONCAT(&h2, &h, qe, sl);		/* into an empty list */
	KUNIT_EXPECT_TRUE(test, SLIST_EMPTY(&h));
	SLIST_SWAP(&h, &h2, qe);
	KUNIT_EXPECT_TRUE(test, SLIST_EMPTY(&h2));
	KUNIT_EXPECT_PTR_EQ(test, SLIST_FIRST(&h), &e[0]);
}

static void stailq_ops(struct kunit *test)
{
	struct qe e[QMAX], *var, *tvar;
	struct qe_stailq h = STAILQ_HEAD_INITIALIZER(h), h2 = STAILQ_HEAD_INITIALIZER(h2);

	init_elems(e, QMAX);
	KUNIT_EXPECT_TRUE(test, STAILQ_EMPTY(&h));
	KUNIT_EXPECT_TRUE(test, STAILQ_LAST(&h, qe, stq) == NULL);
	STAILQ_INSERT_TAIL(&h, &e[1], stq);
	STAILQ_INSERT_HEAD(&h, &e[0], stq);
	STAILQ_INSERT_TAIL(&h, &e[3], stq);
	STAILQ_INSERT_AFTER(&h, &e[1], &e[2], stq);
	STAILQ_INSERT_AFTER(&h, &e[3], &e[4], stq);	/* after the last: the tail moves */
	KUNIT_EXPECT_EQ(test, WALK(STAILQ_FOREACH, &h, stq), 12345L);
	KUNIT_EXPECT_PTR_EQ(test, STAILQ_LAST(&h, qe, stq), &e[4]);
	KUNIT_EXPECT_PTR_EQ(test, STAILQ_FIRST(&h), &e[0]);
	KUNIT_EXPECT_PTR_EQ(test, STAILQ_NEXT(&e[2], stq), &e[3]);

	STAILQ_REMOVE(&h, &e[4], qe, stq);		/* the last: the tail follows */
	KUNIT_EXPECT_PTR_EQ(test, STAILQ_LAST(&h, qe, stq), &e[3]);
	STAILQ_INSERT_TAIL(&h, &e[5], stq);
	KUNIT_EXPECT_EQ(test, WALK(STAILQ_FOREACH, &h, stq), 12346L);
	STAILQ_REMOVE_HEAD(&h, stq);
	STAILQ_REMOVE_AFTER(&h, &e[1], stq);
	KUNIT_EXPECT_EQ(test, WALK(STAILQ_FOREACH, &h, stq), 246L);
	STAILQ_REMOVE(&h, &e[1], qe, stq);
	STAILQ_REMOVE(&h, &e[3], qe, stq);
	STAILQ_REMOVE(&h, &e[5], qe, stq);
	KUNIT_EXPECT_TRUE(test, STAILQ_EMPTY(&h));
	STAILQ_INSERT_TAIL(&h, &e[7], stq);		/* the tail was reset with the last removal */
	KUNIT_EXPECT_EQ(test, WALK(STAILQ_FOREACH, &h, stq), 8L);
	STAILQ_INIT(&h);

	for (int i = 0; i < 5; i++)
		STAILQ_INSERT_TAIL(&h, &e[i], stq);
	STAILQ_FOREACH_SAFE(var, &h, stq, tvar) {
		if (var->v != 2)
			STAILQ_REMOVE(&h, var, qe, stq);
		if (var->v != 2)
			var->stq.stqe_next = (struct qe *)0x1;
	}
	KUNIT_EXPECT_EQ(test, WALK(STAILQ_FOREACH, &h, stq), 3L);
	KUNIT_EXPECT_PTR_EQ(test, STAILQ_LAST(&h, qe, stq), &e[2]);
	var = NULL;
	{ long r = 0; STAILQ_FOREACH_FROM(var, &h, stq) r = r * 10 + var->v + 1;
	  KUNIT_EXPECT_EQ(test, r, 3L); }
	var = &e[2];
	{ long r = 0; STAILQ_FOREACH_FROM_SAFE(var, &h, stq, tvar) r = r * 10 + var->v + 1;
	  KUNIT_EXPECT_EQ(test, r, 3L); }

	/* CONCAT: O(1) append, the second list empties, its tail pointer moves. */
	STAILQ_INSERT_TAIL(&h2, &e[8], stq);
	STAILQ_INSERT_TAIL(&h2, &e[9], stq);
	STAILQ_CONCAT(&h, &h2);
	KUNIT_EXPECT_TRUE(test, STAILQ_EMPTY(&h2));
	KUNIT_EXPECT_PTR_EQ(test, STAILQ_LAST(&h, qe, stq), &e[9]);
	STAILQ_INSERT_TAIL(&h2, &e[0], stq);		/* h2 usable after CONCAT */
	KUNIT_EXPECT_EQ(test, WALK(STAILQ_FOREACH, &h2, stq), 1L);
	STAILQ_REMOVE_HEAD(&h2, stq);

	/* SWAP with an empty list: both tails stay valid. */
	STAILQ_SWAP(&h, &h2, qe);
	KUNIT_EXPECT_TRUE(test, STAILQ_EMPTY(&h));
	KUNIT_EXPECT_EQ(test, WALK(STAILQ_FOREACH, &h2, stq), 3L * 100 + 9 * 10 + 10);
	STAILQ_INSERT_TAIL(&h, &e[1], stq);
	KUNIT_EXPECT_EQ(test, WALK(STAILQ_FOREACH, &h, stq), 2L);
	STAILQ_INSERT_TAIL(&h2, &e[4], stq);
	KUNIT_EXPECT_PTR_EQ(test, STAILQ_LAST(&h2, qe, stq), &e[4]);

	STAILQ_REVERSE(&h2, qe, stq);
	KUNIT_EXPECT_PTR_EQ(test, STAILQ_FIRST(&h2), &e[4]);
	KUNIT_EXPECT_PTR_EQ(test, STAILQ_LAST(&h2, qe, stq), &e[2]);
	STAILQ_INSERT_TAIL(&h2, &e[6], stq);
	KUNIT_EXPECT_PTR_EQ(test, STAILQ_NEXT(&e[2], stq), &e[6]);
}

static void list_ops(struct kunit *test)
{
	struct qe e[QMAX], *var, *tvar;
	struct qe_list h = LIST_HEAD_INITIALIZER(h), h2;

	init_elems(e, QMAX);
	LIST_INIT(&h2);
	KUNIT_EXPECT_TRUE(test, LIST_EMPTY(&h));
	LIST_INSERT_HEAD(&h, &e[2], l);
	LIST_INSERT_BEFORE(&e[2], &e[0], l);		/* before the first: becomes first */
	LIST_INSERT_AFTER(&e[0], &e[1], l);
	LIST_INSERT_AFTER(&e[2], &e[4], l);		/* after the last */
	LIST_INSERT_BEFORE(&e[4], &e[3], l);
	KUNIT_EXPECT_EQ(test, WALK(LIST_FOREACH, &h, l), 12345L);
	KUNIT_EXPECT_PTR_EQ(test, LIST_FIRST(&h), &e[0]);
	KUNIT_EXPECT_TRUE(test, LIST_PREV(&e[0], &h, qe, l) == NULL);
	KUNIT_EXPECT_PTR_EQ(test, LIST_PREV(&e[3], &h, qe, l), &e[2]);
	KUNIT_EXPECT_PTR_EQ(test, LIST_NEXT(&e[3], l), &e[4]);
	KUNIT_EXPECT_TRUE(test, LIST_NEXT(&e[4], l) == LIST_END(&h));

	LIST_REMOVE(&e[2], l);				/* O(1), no head */
	LIST_REMOVE(&e[4], l);				/* the last */
	LIST_REMOVE_HEAD(&h, l);
	KUNIT_EXPECT_EQ(test, WALK(LIST_FOREACH, &h, l), 24L);
	KUNIT_EXPECT_TRUE(test, LIST_PREV(&e[1], &h, qe, l) == NULL);

	LIST_INIT(&h);
	for (int i = 4; i >= 0; i--)
		LIST_INSERT_HEAD(&h, &e[i], l);
	LIST_FOREACH_SAFE(var, &h, l, tvar) {
		LIST_REMOVE(var, l);
		var->l.le_next = (struct qe *)0x1;
	}
	KUNIT_EXPECT_TRUE(test, LIST_EMPTY(&h));
	for (int i = 4; i >= 0; i--)
		LIST_INSERT_HEAD(&h, &e[i], l);
	var = &e[3];
	{ long r = 0; LIST_FOREACH_FROM(var, &h, l) r = r * 10 + var->v + 1;
	  KUNIT_EXPECT_EQ(test, r, 45L); }
	var = &e[1];
	{ long r = 0; LIST_FOREACH_FROM_SAFE(var, &h, l, tvar) { r = r * 10 + var->v + 1;
	  LIST_REMOVE(var, l); }
	  KUNIT_EXPECT_EQ(test, r, 2345L); }
	KUNIT_EXPECT_EQ(test, WALK(LIST_FOREACH, &h, l), 1L);

	/* CONCAT appends; the moved first element's back pointer is fixed. */
	LIST_INSERT_HEAD(&h2, &e[9], l);
	LIST_INSERT_HEAD(&h2, &e[8], l);
	LIST_CONCAT(&h, &h2, qe, l);
	KUNIT_EXPECT_TRUE(test, LIST_EMPTY(&h2));
	KUNIT_EXPECT_EQ(test, WALK(LIST_FOREACH, &h, l), 1L * 100 + 9 * 10 + 10);
	KUNIT_EXPECT_PTR_EQ(test, LIST_PREV(&e[8], &h, qe, l), &e[0]);
	LIST_REMOVE(&e[8], l);
	KUNIT_EXPECT_PTR_EQ(test, LIST_NEXT(&e[0], l), &e[9]);

	/* SWAP: removing the new first element must update the new head. */
	LIST_SWAP(&h, &h2, qe, l);
	KUNIT_EXPECT_TRUE(test, LIST_EMPTY(&h));
	LIST_REMOVE(&e[0], l);
	KUNIT_EXPECT_PTR_EQ(test, LIST_FIRST(&h2), &e[9]);
	KUNIT_EXPECT_TRUE(test, LIST_PREV(&e[9], &h2, qe, l) == NULL);
}

static void tailq_ops(struct kunit *test)
{
	struct qe e[QMAX], *var, *tvar, *e2;
	struct qe_tailq h = TAILQ_HEAD_INITIALIZER(h), h2;

	init_elems(e, QMAX);
	TAILQ_INIT(&h2);
	KUNIT_EXPECT_TRUE(test, TAILQ_EMPTY(&h));
	KUNIT_EXPECT_TRUE(test, TAILQ_LAST(&h, qe_tailq) == NULL);
	TAILQ_INSERT_TAIL(&h, &e[2], tq);
	TAILQ_INSERT_HEAD(&h, &e[0], tq);
	TAILQ_INSERT_AFTER(&h, &e[0], &e[1], tq);
	TAILQ_INSERT_AFTER(&h, &e[2], &e[4], tq);	/* after the last: the tail moves */
	TAILQ_INSERT_BEFORE(&e[4], &e[3], tq);
	KUNIT_EXPECT_EQ(test, WALK(TAILQ_FOREACH, &h, tq), 12345L);
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_LAST(&h, qe_tailq), &e[4]);
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_LAST_FAST(&h, qe, tq), &e[4]);
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_PREV(&e[3], qe_tailq, tq), &e[2]);
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_PREV_FAST(&e[3], &h, qe, tq), &e[2]);
	KUNIT_EXPECT_TRUE(test, TAILQ_PREV(&e[0], qe_tailq, tq) == NULL);
	KUNIT_EXPECT_TRUE(test, TAILQ_PREV_FAST(&e[0], &h, qe, tq) == NULL);
	{ long r = 0; TAILQ_FOREACH_REVERSE(var, &h, qe_tailq, tq) r = r * 10 + var->v + 1;
	  KUNIT_EXPECT_EQ(test, r, 54321L); }
	var = &e[2];
	{ long r = 0; TAILQ_FOREACH_REVERSE_FROM(var, &h, qe_tailq, tq) r = r * 10 + var->v + 1;
	  KUNIT_EXPECT_EQ(test, r, 321L); }
	var = &e[3];
	{ long r = 0; TAILQ_FOREACH_FROM(var, &h, tq) r = r * 10 + var->v + 1;
	  KUNIT_EXPECT_EQ(test, r, 45L); }

	TAILQ_REMOVE(&h, &e[4], tq);			/* the last: the tail follows */
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_LAST(&h, qe_tailq), &e[3]);
	TAILQ_REMOVE_HEAD(&h, tq);
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_FIRST(&h), &e[1]);
	KUNIT_EXPECT_TRUE(test, TAILQ_PREV(&e[1], qe_tailq, tq) == NULL);
	TAILQ_REPLACE(&h, &e[2], &e[7], tq);		/* middle */
	TAILQ_REPLACE(&h, &e[3], &e[8], tq);		/* last */
	KUNIT_EXPECT_EQ(test, WALK(TAILQ_FOREACH, &h, tq), 289L);
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_LAST(&h, qe_tailq), &e[8]);
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_PREV(&e[8], qe_tailq, tq), &e[7]);

	/* _SAFE forward and reverse: remove while iterating. */
	TAILQ_FOREACH_SAFE(var, &h, tq, tvar) {
		if (var != &e[7]) {
			TAILQ_REMOVE(&h, var, tq);
			var->tq.tqe_next = (struct qe *)0x1;
		}
	}
	KUNIT_EXPECT_EQ(test, WALK(TAILQ_FOREACH, &h, tq), 8L);
	for (int i = 0; i < 5; i++)
		TAILQ_INSERT_TAIL(&h, &e[i], tq);
	TAILQ_FOREACH_REVERSE_SAFE(var, &h, qe_tailq, tq, tvar) {
		if (var->v == 1 || var->v == 3) {
			TAILQ_REMOVE(&h, var, tq);
			var->tq.tqe_prev = (struct qe **)0x1;
		}
	}
	KUNIT_EXPECT_EQ(test, WALK(TAILQ_FOREACH, &h, tq), 8135L);
	var = NULL;
	{ long r = 0; TAILQ_FOREACH_FROM_SAFE(var, &h, tq, tvar) r = r * 10 + var->v + 1;
	  KUNIT_EXPECT_EQ(test, r, 8135L); }
	var = NULL;
	{ long r = 0; TAILQ_FOREACH_REVERSE_FROM_SAFE(var, &h, qe_tailq, tq, tvar)
		r = r * 10 + var->v + 1;
	  KUNIT_EXPECT_EQ(test, r, 5318L); }

	/* CONCAT and SWAP keep the back pointers and tails right. */
	TAILQ_INSERT_TAIL(&h2, &e[9], tq);
	TAILQ_CONCAT(&h, &h2, tq);
	KUNIT_EXPECT_TRUE(test, TAILQ_EMPTY(&h2));
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_LAST(&h, qe_tailq), &e[9]);
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_PREV(&e[9], qe_tailq, tq), &e[4]);
	TAILQ_SWAP(&h, &h2, qe, tq);
	KUNIT_EXPECT_TRUE(test, TAILQ_EMPTY(&h));
	TAILQ_INSERT_TAIL(&h, &e[10], tq);
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_LAST(&h, qe_tailq), &e[10]);
	e2 = TAILQ_FIRST(&h2);
	KUNIT_EXPECT_PTR_EQ(test, e2, &e[7]);
	TAILQ_REMOVE(&h2, e2, tq);			/* the first: updates h2's head */
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_FIRST(&h2), &e[0]);
	KUNIT_EXPECT_TRUE(test, TAILQ_PREV(&e[0], qe_tailq, tq) == NULL);
	KUNIT_EXPECT_EQ(test, WALK(TAILQ_FOREACH, &h2, tq), 135L * 10 + 10);
}

/* HEAD_INITIALIZER makes a valid empty head for a static queue. */
static struct qe_tailq static_tq = TAILQ_HEAD_INITIALIZER(static_tq);
static struct qe_stailq static_stq = STAILQ_HEAD_INITIALIZER(static_stq);

static void static_heads_initialized(struct kunit *test)
{
	struct qe a = { .v = 1 };

	TAILQ_INSERT_TAIL(&static_tq, &a, tq);
	STAILQ_INSERT_TAIL(&static_stq, &a, stq);
	KUNIT_EXPECT_PTR_EQ(test, TAILQ_FIRST(&static_tq), &a);
	KUNIT_EXPECT_PTR_EQ(test, STAILQ_FIRST(&static_stq), &a);
	TAILQ_REMOVE(&static_tq, &a, tq);
	STAILQ_REMOVE_HEAD(&static_stq, stq);
	KUNIT_EXPECT_TRUE(test, TAILQ_EMPTY(&static_tq) && STAILQ_EMPTY(&static_stq));
}

/* Linux's LIST_HEAD(name) still declares a list_head next to FreeBSD's LIST_HEAD(n, t). */
static void linux_list_head_still_works(struct kunit *test)
{
	LIST_HEAD(lh);
	struct list_head node;

	list_add(&node, &lh);
	KUNIT_EXPECT_PTR_EQ(test, lh.next, &node);
	list_del(&node);
	KUNIT_EXPECT_TRUE(test, list_empty(&lh));
}

static struct kunit_case queue_cases[] = {
	KUNIT_CASE(slist_ops),
	KUNIT_CASE(stailq_ops),
	KUNIT_CASE(list_ops),
	KUNIT_CASE(tailq_ops),
	KUNIT_CASE(static_heads_initialized),
	KUNIT_CASE(linux_list_head_still_works),
	{}
};

static struct kunit_suite queue_suite = {
	.name = "freebsd_queue",
	.test_cases = queue_cases,
};

kunit_test_suites(&queue_suite);
