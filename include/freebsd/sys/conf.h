/*
 * <sys/conf.h> for ported FreeBSD drivers: only DEV_MODULE and DEV_MODULE_ORDERED, a module
 * declaration in SI_SUB_DRIVERS (<sys/module.h>). Character devices (cdevsw, make_dev) are
 * not provided: a Linux driver registers its own (docs/porting.md).
 */
#ifndef _BSDSYNC_FREEBSD_SYS_CONF_H_
#define _BSDSYNC_FREEBSD_SYS_CONF_H_

#include <sys/kernel.h>
#include <sys/module.h>

#define DEV_MODULE_ORDERED(name, evh, arg, ord)					\
	static moduledata_t name##_mod = {						\
		#name,									\
		evh,									\
		arg									\
	};										\
	DECLARE_MODULE(name, name##_mod, SI_SUB_DRIVERS, ord)

#define DEV_MODULE(name, evh, arg)	DEV_MODULE_ORDERED(name, evh, arg, SI_ORDER_MIDDLE)

#endif
