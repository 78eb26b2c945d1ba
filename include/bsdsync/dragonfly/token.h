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

/*
 * A thread's token references as the production build's inline lwkt_gettoken/lwkt_reltoken
 * (<sys/thread.h>) see them: the layout of module/dragonfly/dragonfly.h TokenThread (checked
 * there). While a thread that has its switch hook registered runs, the platform's per-CPU
 * bsdsync_switch_cookie points to its own (module/platform/switch_hook.c); only that thread
 * changes nrefs and refs, and its switch-out hook reads them only when it blocks.
 */
struct bsdsync_dfly_token_thread {
	int status;			/* the module's (token.cpp kHeld...) */
	int nrefs;			/* references on the stack */
	int hooked;			/* the switch hook is registered */
	void *td;			/* the thread (its Linux task) */
	void *wait_next;		/* the module's */
	unsigned long refs[BSDSYNC_DFLY_LWKT_MAXTOKENS];	/* token | 1 if shared */
};
/* Token waiters linked or about to be (read after a give: module/dragonfly/token.cpp's
 * handshake), and the grant pass a give runs when it is not 0. */
extern int dfly_lwkt_nwaiting;
void dfly_lwkt_token_grant(void);
/* How long (ns) a contended lwkt_gettoken spins on one running exclusive holder before it
 * blocks; 0: as long as the holder runs. Default 200 us (module/dragonfly/token.cpp says
 * why). The module's tunable; the KUnit suites change it. */
extern unsigned long long dfly_lwkt_token_spin_ns;

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
