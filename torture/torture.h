/*
 * bsdsync_torture.ko (torture/torture.c): the lock types it hammers. Each personality's file
 * (freebsd_types.c, dragonfly_types.c; built against that personality's face, as a ported
 * driver is) lists its types in one table; a new type is one entry there. Plain C, no Linux
 * header and no personality header, so every file can include it.
 *
 * One lock of each type exists (the file's static); the harness runs one type at a time:
 * init, then its writer and reader threads, then destroy. `scratch` is per thread (a reader
 * keeps its rm tracker there, a recursive writer its depth).
 */
#ifndef BSDSYNC_TORTURE_H
#define BSDSYNC_TORTURE_H

#define TORTURE_SCRATCH_BYTES 128

struct torture_scratch {
	unsigned long long bytes[TORTURE_SCRATCH_BYTES / 8];
	unsigned int random;		/* the thread's random number for this section */
};

struct torture_type {
	const char *name;
	void (*init)(void);
	void (*destroy)(void);
	/* The exclusive section's lock and unlock. */
	void (*excl_lock)(struct torture_scratch *s);
	void (*excl_unlock)(struct torture_scratch *s);
	/* The shared section's, or null: a type without readers (its reader threads idle). */
	void (*shared_lock)(struct torture_scratch *s);
	void (*shared_unlock)(struct torture_scratch *s);
	/* Flags: */
	unsigned int sleeps_in_section : 1;	/* the holder may sleep (a sleepable lock) */
	unsigned int atomic_section : 1;	/* held with preemption or interrupts off: only
						   short busy delays inside */
	unsigned int expect_failure : 1;	/* the broken control type: FAILURE is the
						   expected outcome */
};

/* Each table ends with a null name. */
extern const struct torture_type torture_freebsd_types[];
extern const struct torture_type torture_dragonfly_types[];

#endif
