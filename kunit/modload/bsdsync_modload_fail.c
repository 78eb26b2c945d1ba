/*
 * A FreeBSD kernel file whose module fails to load (MOD_LOAD returns ENXIO): Kbuild says
 * what scripts/test.sh checks with it. Each step prints one "bsdsync_modload_fail: " line.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/kernel.h>
#include <sys/module.h>

static void
before_init(void *arg __unused)
{
	printf("bsdsync_modload_fail: SYSINIT before the module ran\n");
}
SYSINIT(modload_fail_before, SI_SUB_LOCK, SI_ORDER_FIRST, before_init, NULL);

static void
before_uninit(void *arg __unused)
{
	printf("bsdsync_modload_fail: SYSUNINIT before the module ran\n");
}
SYSUNINIT(modload_fail_before, SI_SUB_LOCK, SI_ORDER_FIRST, before_uninit, NULL);

static void
after_init(void *arg __unused)
{
	printf("bsdsync_modload_fail: WRONG: SYSINIT after the failed module ran\n");
}
SYSINIT(modload_fail_after, SI_SUB_CONFIGURE, SI_ORDER_FIRST, after_init, NULL);

static void
after_uninit(void *arg __unused)
{
	printf("bsdsync_modload_fail: WRONG: SYSUNINIT after the failed module ran\n");
}
SYSUNINIT(modload_fail_after, SI_SUB_CONFIGURE, SI_ORDER_FIRST, after_uninit, NULL);

static int
modload_fail_modevent(module_t mod __unused, int type, void *arg __unused)
{
	switch (type) {
	case MOD_LOAD:
		printf("bsdsync_modload_fail: MOD_LOAD returns ENXIO\n");
		return (ENXIO);
	case MOD_UNLOAD:
		printf("bsdsync_modload_fail: MOD_UNLOAD after the failed MOD_LOAD\n");
		return (0);
	default:
		return (EOPNOTSUPP);
	}
}

static moduledata_t modload_fail_mod = {
	"bsdsync_modload_fail",
	modload_fail_modevent,
	NULL
};
DECLARE_MODULE(bsdsync_modload_fail, modload_fail_mod, SI_SUB_DRIVERS, SI_ORDER_MIDDLE);
