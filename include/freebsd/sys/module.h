/*
 * <sys/module.h> for ported FreeBSD drivers: module declarations (DECLARE_MODULE,
 * moduledata_t, the module events), MODULE_VERSION and MODULE_DEPEND. A FreeBSD kernel file
 * that declares its module this way is a complete Linux module: no Linux entry points or
 * license of its own (docs/porting.md, "Declaring the module").
 *
 * DECLARE_MODULE(name, data, sub, order) is a SYSINIT record, as on FreeBSD: bsdsync's module
 * notifier (include/bsdsync/sysinit.h) calls the handler with MOD_LOAD at the record's
 * (sub, order) place among the file's SYSINITs, before any Linux module_init. A handler's
 * nonzero return (a FreeBSD positive errno, or a negative Linux one) fails the Linux load with
 * that error after undoing what ran. At unload (rmmod), each module gets MOD_QUIESCE then
 * MOD_UNLOAD, then the SYSUNINITs run; at reboot, halt or power-off each gets MOD_SHUTDOWN.
 * Linux cannot refuse an rmmod: a MOD_QUIESCE or MOD_UNLOAD error is reported (naming the
 * module) and the module is unloaded anyway. A handler returns EOPNOTSUPP for events it
 * does not handle, as on FreeBSD.
 *
 * DECLARE_MODULE and MODULE_VERSION each also record the Linux license, "Dual BSD/GPL"
 * (bsdsync's own), so a file with only SYSINITs needs a MODULE_VERSION to be a module; Linux
 * needs no init or exit function when a module has neither. MODULE_VERSION(name, ver) becomes
 * the Linux module's version (modinfo), MODULE_DEPEND a "bsd_depend" modinfo record only:
 * a FreeBSD module name is no Linux module name, and bsdsync itself is a symbol dependency
 * that the loader already enforces. MODULE_VERSION with one argument is Linux's (a file that
 * includes <linux/module.h> includes it before this header, as with every clash).
 *
 * module_t is opaque: the handle a handler gets points to its moduledata; module_getname
 * reads the name from it. The kld interfaces (module_lookupbyname, modfind, ...) are not
 * provided.
 */
#ifndef _BSDSYNC_FREEBSD_SYS_MODULE_H_
#define _BSDSYNC_FREEBSD_SYS_MODULE_H_

#include <sys/cdefs.h>
#include <sys/types.h>
#include <bsdsync/sysinit.h>

/* Module metadata types (FreeBSD values). */
#define MDT_DEPEND	1
#define MDT_MODULE	2
#define MDT_VERSION	3
#define MDT_PNP_INFO	4

typedef enum modeventtype {
	MOD_LOAD	= BSDSYNC_MOD_LOAD,
	MOD_UNLOAD	= BSDSYNC_MOD_UNLOAD,
	MOD_SHUTDOWN	= BSDSYNC_MOD_SHUTDOWN,
	MOD_QUIESCE	= BSDSYNC_MOD_QUIESCE
} modeventtype_t;

typedef struct module *module_t;
typedef int (*modeventhand_t)(module_t, int /* modeventtype_t */, void *);

/* FreeBSD's moduledata_t; bsdsync reads it as struct bsdsync_moduledata (same layout). */
struct moduledata {
	const char	*name;		/* module name */
	modeventhand_t	evhand;		/* event handler; NULL: load and unload do nothing */
	void		*priv;		/* the handler's third argument */
};
typedef struct moduledata moduledata_t;

_Static_assert(sizeof(moduledata_t) == sizeof(struct bsdsync_moduledata) &&
	       __builtin_offsetof(moduledata_t, evhand) ==
		       __builtin_offsetof(struct bsdsync_moduledata, evhand) &&
	       __builtin_offsetof(moduledata_t, priv) ==
		       __builtin_offsetof(struct bsdsync_moduledata, priv),
	       "moduledata_t is struct bsdsync_moduledata");

union modspecific {
	int		intval;
	unsigned int	uintval;
	long		longval;
	unsigned long	ulongval;
};
typedef union modspecific modspecific_t;

struct mod_depend {
	int	md_ver_minimum;
	int	md_ver_preferred;
	int	md_ver_maximum;
};

struct mod_version {
	int	mv_version;
};

static inline const char *
module_getname(module_t mod)
{
	return ((const moduledata_t *)(const void *)mod)->name;
}

/* MODULE_VERSION and MODULE_DEPEND are text only (their arguments may name FreeBSD macros,
 * __FreeBSD_version, that the kit does not define). */

/* A Linux modinfo record ("tag=value" in .modinfo, which modpost and the loader read), as
 * <linux/moduleparam.h>'s __MODULE_INFO writes it for a loadable module; without including
 * <linux/module.h>, whose names (ida_alloc, ...) a FreeBSD file must not meet. */
#define __BSDSYNC_MODINFO_ID2(n)	__bsdsync_modinfo_##n
#define __BSDSYNC_MODINFO_ID(n)		__BSDSYNC_MODINFO_ID2(n)
#define __BSDSYNC_MODINFO(tag, info)							\
	static const char __BSDSYNC_MODINFO_ID(__COUNTER__)[]				\
		__attribute__((__used__, __section__(".modinfo"), __aligned__(1))) =	\
		#tag "=" info

/* The Linux module's license: bsdsync's own, which lets a driver use any export of the kernel
 * as well as bsdsync's. Recorded once per declaration; the loader reads the first. */
#define __BSDSYNC_MODULE_LICENSE	__BSDSYNC_MODINFO(license, "Dual BSD/GPL")

#define DECLARE_MODULE(name, data, sub, order)						\
	__BSDSYNC_MODULE_LICENSE;							\
	static const struct bsdsync_sysinit *__bsdsync_sysinit_##name##module(void);	\
	static const struct bsdsync_sysinit __bsdsync_sysinit_rec_##name##module = {	\
		(sub), (order), 0, 0, __bsdsync_sysinit_##name##module,			\
		(const struct bsdsync_moduledata *)(const void *)&(data) };		\
	static __attribute__((__used__, __noinline__)) const struct bsdsync_sysinit *	\
	__bsdsync_sysinit_##name##module(void)						\
	{										\
		return &__bsdsync_sysinit_rec_##name##module;				\
	}										\
	struct __hack

/* No kernel ABI version to tie to: the same declaration. */
#define DECLARE_MODULE_TIED(name, data, sub, order)	DECLARE_MODULE(name, data, sub, order)
#define DECLARE_MODULE_WITH_MAXVER(name, data, sub, order, maxver)			\
	DECLARE_MODULE(name, data, sub, order)

#define __bsd_MODULE_VERSION(mod_, ver_)						\
	__BSDSYNC_MODULE_LICENSE;							\
	__BSDSYNC_MODINFO(version, __XSTRING(ver_));					\
	__BSDSYNC_MODINFO(bsd_version, #mod_ " " __XSTRING(ver_))
#define __linux_MODULE_VERSION(_version)	__BSDSYNC_MODINFO(version, _version)
#define __BSDSYNC_MARG2(a, b, name, ...)	name
#undef MODULE_VERSION		/* Linux's, if <linux/module.h> came first */
#define MODULE_VERSION(...)								\
	__BSDSYNC_MARG2(__VA_ARGS__, __bsd_MODULE_VERSION, __linux_MODULE_VERSION)(__VA_ARGS__)

#define MODULE_DEPEND(module, mdepend, vmin, vpref, vmax)				\
	__BSDSYNC_MODINFO(bsd_depend, #module " on " #mdepend " " __XSTRING(vmin) " "	\
		    __XSTRING(vpref) " " __XSTRING(vmax))

/* PnP hints for devmatch(8): nothing reads them on Linux. */
#define MODULE_PNP_INFO(d, b, unique, t, n)	struct __hack

#endif
