/*
 * <sys/ktr.h> for ported FreeBSD drivers: ktr(4) kernel event tracing. bsdsync has no KTR
 * buffer: CTR0..CTR6 and the KTR_* calls compile to nothing (the arguments are not
 * evaluated, as in a FreeBSD kernel built without KTR), and the class constants exist so
 * that code naming them compiles.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_KTR_H_
#define _BSDSYNC_FREEBSD_SYS_KTR_H_

#include <sys/types.h>

#define KTR_GEN		0x00000001
#define KTR_NET		0x00000002
#define KTR_DEV		0x00000004
#define KTR_LOCK	0x00000008
#define KTR_SMP		0x00000010
#define KTR_SUBSYS	0x00000020
#define KTR_PMAP	0x00000040
#define KTR_MALLOC	0x00000080
#define KTR_TRAP	0x00000100
#define KTR_INTR	0x00000200
#define KTR_SIG		0x00000400
#define KTR_SPARE2	0x00000800
#define KTR_PROC	0x00001000
#define KTR_SYSC	0x00002000
#define KTR_INIT	0x00004000
#define KTR_SPARE3	0x00008000
#define KTR_SPARE4	0x00010000
#define KTR_EVH		0x00020000
#define KTR_VFS		0x00040000
#define KTR_VOP		0x00080000
#define KTR_VM		0x00100000
#define KTR_INET	0x00200000
#define KTR_RUNQ	0x00400000
#define KTR_SPARE5	0x00800000
#define KTR_UMA		0x01000000
#define KTR_CALLOUT	0x02000000
#define KTR_GEOM	0x04000000
#define KTR_BUSDMA	0x08000000
#define KTR_INET6	0x10000000
#define KTR_SCHED	0x20000000
#define KTR_BUF		0x40000000
#define KTR_PTRACE	0x80000000
#define KTR_ALL		0xffffffff

#define KTR_COMPILE	0
#define KTR_CPU		0

#define CTR6(m, format, p1, p2, p3, p4, p5, p6)	do { } while (0)
#define CTR0(m, format)				do { } while (0)
#define CTR1(m, format, p1)			do { } while (0)
#define CTR2(m, format, p1, p2)			do { } while (0)
#define CTR3(m, format, p1, p2, p3)		do { } while (0)
#define CTR4(m, format, p1, p2, p3, p4)		do { } while (0)
#define CTR5(m, format, p1, p2, p3, p4, p5)	do { } while (0)
#define KTR_STATE0(m, egroup, ident, state)	do { } while (0)
#define KTR_STATE1(m, egroup, ident, state, a0, v0) do { } while (0)
#define KTR_STATE2(m, egroup, ident, state, a0, v0, a1, v1) do { } while (0)
#define KTR_EVENT0(m, egroup, ident, etype, edat) do { } while (0)
#define KTR_POINT0(m, egroup, ident, point)	do { } while (0)
#define KTR_POINT1(m, egroup, ident, point, a0, v0) do { } while (0)
#define TR_ON(m)				0

#endif
