/*
 * bsdsync C ABI: DragonFly's LWKT serializing tokens, token(9) (<sys/thread.h>), and the MP
 * lock over its global token mp_token (<sys/mplock2.h>).
 *
 * struct lwkt_token has DragonFly's layout and names (sys/sys/thread.h, amd64):
 *   t_count       bit 0 TOK_EXCLUSIVE: one thread holds it exclusively; bit 1 TOK_EXCLREQ
 *                 (DragonFly's exclusive-request bit: an exclusive request waits; new
 *                 shared requests from threads with no other token wait behind it, see
 *                 module/dragonfly/token.cpp); bits 2.. the number of shared holders, in
 *                 units of TOK_INCR. A thread counts once however many references it has.
 *   t_ref         the exclusive holder (DragonFly: its tokref; here its thread handle), or
 *                 NULL; informational (reports, tests): ownership is the word's and the
 *                 holder's own reference stack's.
 *   t_collisions  how many times an acquirer found it taken (a statistic).
 *   t_desc        the name given at init (reports; DragonFly's wmesg while waiting).
 * A token is held only while its holder runs: released whenever the holder blocks, for any
 * reason, and held again before it runs (module/dragonfly/token.cpp has the design).
 */
#ifndef _BSDSYNC_DRAGONFLY_TOKEN_H_
#define _BSDSYNC_DRAGONFLY_TOKEN_H_

#include <bsdsync/types.h>

BSDSYNC_DRAGONFLY_ABI_BEGIN

#define BSDSYNC_DFLY_TOK_EXCLUSIVE	0x00000001L
#define BSDSYNC_DFLY_TOK_EXCLREQ	0x00000002L
#define BSDSYNC_DFLY_TOK_INCR		4L
/* DragonFly's per-thread depth of token references (LWKT_MAXTOKENS). */
#define BSDSYNC_DFLY_LWKT_MAXTOKENS	32

struct lwkt_token {
	volatile long t_count;
	struct thread *volatile t_ref;
	long t_collisions;
	const char *t_desc;
};
BSDSYNC_ABI_SIZE(struct lwkt_token, 32);
BSDSYNC_ABI_OFFSET(struct lwkt_token, t_count, 0);
BSDSYNC_ABI_OFFSET(struct lwkt_token, t_ref, 8);
BSDSYNC_ABI_OFFSET(struct lwkt_token, t_desc, 24);

/* file/line: the caller, for reports and lock events. */
void dfly_lwkt_token_init(struct lwkt_token *tok, const char *desc);
void dfly_lwkt_token_uninit(struct lwkt_token *tok);
void dfly_lwkt_gettoken(struct lwkt_token *tok, const char *file, int line);
void dfly_lwkt_gettoken_shared(struct lwkt_token *tok, const char *file, int line);
/* 1 if it got the token (exclusively), 0 otherwise; never blocks. */
int dfly_lwkt_trytoken(struct lwkt_token *tok, const char *file, int line);
void dfly_lwkt_reltoken(struct lwkt_token *tok, const char *file, int line);
/* The token, then a hard code section (crit_enter_hard); released in the reverse order. */
void dfly_lwkt_gettoken_hard(struct lwkt_token *tok, const char *file, int line);
void dfly_lwkt_reltoken_hard(struct lwkt_token *tok, const char *file, int line);
/* The number of references `td` (NULL: the caller) has on tok. For another thread than the
 * caller, a snapshot read without its cooperation. */
int dfly_lwkt_cnttoken(struct lwkt_token *tok, struct thread *td);
void dfly_lwkt_token_swap(const char *file, int line);
struct lwkt_token *dfly_lwkt_token_pool_lookup(const void *ptr);
struct lwkt_token *dfly_lwkt_getpooltoken(const void *ptr, const char *file, int line);
void dfly_lwkt_relpooltoken(const void *ptr, const char *file, int line);
/* Held by the caller: in any mode (exclusive = 0) or exclusively (exclusive = 1). */
int dfly_lwkt_token_held(struct lwkt_token *tok, int exclusive);
/* How many token references `td` (NULL: the caller) has. */
int dfly_lwkt_tokens_held(struct thread *td);
/* The ASSERT_ macros: report (BSDSYNC_RULE_ASSERTION) unless the caller holds tok (in any
 * mode, or exclusively), and, with `crit` 1, is also in a critical section (2: a hard code
 * section). */
void dfly_lwkt_token_assert(struct lwkt_token *tok, int exclusive, int crit, const char *file,
			    int line);
/* Report unless `td` (NULL: the caller) holds no token. */
void dfly_lwkt_assert_no_tokens(struct thread *td, const char *file, int line);
/* The MP lock's token (DragonFly's mp_token). */
extern struct lwkt_token dfly_mp_token;

BSDSYNC_DRAGONFLY_ABI_END

#endif
