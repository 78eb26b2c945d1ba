/*
 * <sys/thread.h> for drivers ported from DragonFly BSD: LWKT serializing tokens, token(9).
 *
 * A token is held only while its holder runs: released whenever the holder blocks (in
 * tsleep, or anywhere in Linux: msleep, mutex_lock, kmalloc(GFP_KERNEL), ...) and held again
 * before it runs; preemption keeps it. Tokens are recursive, released newest first
 * (lwkt_token_swap exchanges the two newest), shared or exclusive; exclusive after shared
 * on one token is reported (DragonFly livelocks). module/dragonfly/token.cpp has the design
 * and its limits. thread_t and curthread are bsdsync's opaque thread handle.
 *
 * The production build (<sys/_inline_locks.h>: -DBSDSYNC_NO_INVARIANTS) has lwkt_gettoken
 * and lwkt_reltoken inline, as the module's own fast paths (token.cpp), with no call: in
 * thread context, no lock-event sink attached, and the thread's switch hook registered (the
 * per-CPU bsdsync_switch_cookie is then its reference stack; its first token goes through
 * the module, which registers the hook):
 *   get      room for a reference and a free word: one CAS of t_count from 0 to
 *            TOK_EXCLUSIVE, acquire (pairs with the previous holder's give), t_ref set,
 *            then the reference pushed (after the take: nothing between them blocks);
 *   release  the thread's only reference, exclusive, to this token: popped, t_ref cleared,
 *            t_count -= TOK_EXCLUSIVE (seq_cst: the release for the next holder, and
 *            before the read of dfly_lwkt_nwaiting, the waiter handshake), and the grant pass
 *            called if a waiter is there.
 * Anything else calls the module. Tokens are not in the held-locks stack in either build, so
 * the production build loses nothing here.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_THREAD_H_
#define _BSDSYNC_DRAGONFLY_SYS_THREAD_H_

#include <sys/types.h>
#include <bsdsync/dragonfly/token.h>
#include <sys/_inline_locks.h>

typedef struct thread *thread_t;
typedef struct lwkt_token lwkt_token;
typedef struct lwkt_token *lwkt_token_t;

BSDSYNC_BEGIN_DECLS
struct thread *bsdsync_curthread(void);
BSDSYNC_END_DECLS
#ifndef curthread
#define curthread		bsdsync_curthread()
#endif

#define TOK_EXCLUSIVE		BSDSYNC_DFLY_TOK_EXCLUSIVE
#define TOK_EXCLREQ		BSDSYNC_DFLY_TOK_EXCLREQ
#define TOK_INCR		BSDSYNC_DFLY_TOK_INCR
#define LWKT_MAXTOKENS		BSDSYNC_DFLY_LWKT_MAXTOKENS
#define LWKT_TOKEN_INITIALIZER(name)	{ 0, NULL, 0, #name }

#define lwkt_token_init(tok, desc)	dfly_lwkt_token_init((tok), (desc))
#define lwkt_token_uninit(tok)		dfly_lwkt_token_uninit((tok))
#if BSDSYNC_INLINE_LOCKS
static __always_inline void
__dfly_lwkt_gettoken_inline(struct lwkt_token *tok, const char *file, int line)
{
	struct bsdsync_dfly_token_thread *s =
		(struct bsdsync_dfly_token_thread *)this_cpu_read(bsdsync_switch_cookie);

	if (__builtin_expect(s != 0 && in_task() && __dfly_inline_events_off(), 1)) {
		int n = s->nrefs;
		long v = 0;

		if (__builtin_expect(n < BSDSYNC_DFLY_LWKT_MAXTOKENS &&
				     __atomic_compare_exchange_n(&tok->t_count, &v,
					BSDSYNC_DFLY_TOK_EXCLUSIVE, 0, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED), 1)) {
			__atomic_store_n(&tok->t_ref, (struct thread *)s->td, __ATOMIC_RELAXED);
			s->refs[n] = (unsigned long)tok;
			s->nrefs = n + 1;
			return;
		}
	}
	dfly_lwkt_gettoken(tok, file, line);
}

static __always_inline void
__dfly_lwkt_reltoken_inline(struct lwkt_token *tok, const char *file, int line)
{
	struct bsdsync_dfly_token_thread *s =
		(struct bsdsync_dfly_token_thread *)this_cpu_read(bsdsync_switch_cookie);

	if (__builtin_expect(s != 0 && in_task() && __dfly_inline_events_off() &&
			     s->nrefs == 1 && s->refs[0] == (unsigned long)tok, 1)) {
		s->nrefs = 0;	/* the pop before the give */
		__atomic_store_n(&tok->t_ref, (struct thread *)0, __ATOMIC_RELAXED);
		__atomic_fetch_sub(&tok->t_count, BSDSYNC_DFLY_TOK_EXCLUSIVE, __ATOMIC_SEQ_CST);
		if (__builtin_expect(__atomic_load_n(&dfly_lwkt_nwaiting, __ATOMIC_RELAXED) != 0, 0))
			dfly_lwkt_token_grant();
		return;
	}
	dfly_lwkt_reltoken(tok, file, line);
}
#define lwkt_gettoken(tok)		__dfly_lwkt_gettoken_inline((tok), __FILE__, __LINE__)
#define lwkt_reltoken(tok)		__dfly_lwkt_reltoken_inline((tok), __FILE__, __LINE__)
#else
#define lwkt_gettoken(tok)		dfly_lwkt_gettoken((tok), __FILE__, __LINE__)
#define lwkt_reltoken(tok)		dfly_lwkt_reltoken((tok), __FILE__, __LINE__)
#endif
#define lwkt_gettoken_shared(tok)	dfly_lwkt_gettoken_shared((tok), __FILE__, __LINE__)
#define lwkt_trytoken(tok)		dfly_lwkt_trytoken((tok), __FILE__, __LINE__)
#define lwkt_gettoken_hard(tok)		dfly_lwkt_gettoken_hard((tok), __FILE__, __LINE__)
#define lwkt_reltoken_hard(tok)		dfly_lwkt_reltoken_hard((tok), __FILE__, __LINE__)
#define lwkt_cnttoken(tok, td)		dfly_lwkt_cnttoken((tok), (td))
#define lwkt_token_swap()		dfly_lwkt_token_swap(__FILE__, __LINE__)
#define lwkt_token_pool_lookup(ptr)	dfly_lwkt_token_pool_lookup((ptr))
#define lwkt_getpooltoken(ptr)		dfly_lwkt_getpooltoken((ptr), __FILE__, __LINE__)
#define lwkt_relpooltoken(ptr)		dfly_lwkt_relpooltoken((ptr), __FILE__, __LINE__)

#define LWKT_TOKEN_HELD_ANY(tok)	dfly_lwkt_token_held((tok), 0)
#define LWKT_TOKEN_HELD_EXCL(tok)	dfly_lwkt_token_held((tok), 1)
#define ASSERT_LWKT_TOKEN_HELD(tok)	dfly_lwkt_token_assert((tok), 0, 0, __FILE__, __LINE__)
#define ASSERT_LWKT_TOKEN_HELD_EXCL(tok) dfly_lwkt_token_assert((tok), 1, 0, __FILE__, __LINE__)
/* Held, and in a critical section. */
#define ASSERT_LWKT_TOKEN_CRIT(tok)	dfly_lwkt_token_assert((tok), 0, 1, __FILE__, __LINE__)
/* Held, and in a hard code section (lwkt_gettoken_hard, crit_enter_hard). */
#define ASSERT_LWKT_TOKEN_HARD(tok)	dfly_lwkt_token_assert((tok), 0, 2, __FILE__, __LINE__)
#define ASSERT_NO_TOKENS_HELD(td)	dfly_lwkt_assert_no_tokens((td), __FILE__, __LINE__)
#define TD_TOKS_HELD(td)		(dfly_lwkt_tokens_held((td)) != 0)
#define TD_TOKS_NOT_HELD(td)		(dfly_lwkt_tokens_held((td)) == 0)

#endif
