/*
 * <sys/thread.h> for drivers ported from DragonFly BSD: LWKT serializing tokens, token(9).
 *
 * A token is held only while its holder runs: released whenever the holder blocks (in
 * tsleep, or anywhere in Linux: msleep, mutex_lock, kmalloc(GFP_KERNEL), ...) and held again
 * before it runs; preemption keeps it. Tokens are recursive, released newest first
 * (lwkt_token_swap exchanges the two newest), shared or exclusive; exclusive after shared
 * on one token is reported (DragonFly livelocks). module/dragonfly/token.cpp has the design
 * and its limits. thread_t and curthread are bsdsync's opaque thread handle.
 */
#ifndef _BSDSYNC_DRAGONFLY_SYS_THREAD_H_
#define _BSDSYNC_DRAGONFLY_SYS_THREAD_H_

#include <sys/types.h>
#include <bsdsync/dragonfly/token.h>

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
#define lwkt_gettoken(tok)		dfly_lwkt_gettoken((tok), __FILE__, __LINE__)
#define lwkt_gettoken_shared(tok)	dfly_lwkt_gettoken_shared((tok), __FILE__, __LINE__)
#define lwkt_trytoken(tok)		dfly_lwkt_trytoken((tok), __FILE__, __LINE__)
#define lwkt_reltoken(tok)		dfly_lwkt_reltoken((tok), __FILE__, __LINE__)
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
