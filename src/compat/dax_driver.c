// SPDX-License-Identifier: GPL-2.0
/*
 * Registration of our driver on the dax bus, through the private
 * struct dax_device_driver of the layout family picked in dax-bus.h.
 */
#include <linux/module.h>
#include "compat/dax-bus.h"

static const struct dka_driver_ops *dka_ops;

#ifdef DKA_DAX_REMOVE_RETURNS_INT
/* 5.10's dax_bus_remove() calls ->remove() unconditionally and wants an int. */
static int dka_dax_remove(struct dev_dax *dev_dax)
{
	dka_ops->remove(dev_dax);
	return 0;
}
#else
static void dka_dax_remove(struct dev_dax *dev_dax)
{
	dka_ops->remove(dev_dax);
}
#endif

static int dka_dax_probe(struct dev_dax *dev_dax)
{
	return dka_ops->probe(dev_dax);
}

/*
 * By default we never take a device on our own: the bus must offer us a
 * device only after its name was written to our new_id.  5.10/6.1: no
 * match_always.  6.12+: a type the bus never computes for a device (see
 * dax-bus.h).  Replace mode takes kmem's type instead (dka_driver_register()).
 */
static struct dax_device_driver dka_dax_driver = {
#ifdef DKA_DAX_DRIVER_TYPE
	.type = DKA_DAXDRV_ID_ONLY,
#endif
	.probe = dka_dax_probe,
	.remove = dka_dax_remove,
};

/**
 * dka_driver_register() - register our driver on the dax bus
 * @ops: the core's probe/remove and the device attribute groups
 * @as_kmem: replace mode: register as the driver "kmem", and (6.12+) with
 *	kmem's driver type, so that daxctl and the bus treat us as kmem
 *
 * The dax core names the driver after the string we pass: the module
 * name, or "kmem".  The driver core refuses a second driver of one name
 * on a bus (-EBUSY), so replace mode fails while the in-kernel kmem is
 * loaded, and the in-kernel kmem fails to load while we are.
 *
 * Return: 0 or a negative errno from the dax core.
 */
int dka_driver_register(const struct dka_driver_ops *ops, bool as_kmem)
{
	dka_ops = ops;
	dka_dax_driver.drv.dev_groups = ops->dev_groups;
#ifdef DKA_DAX_DRIVER_TYPE
	if (as_kmem)
		dka_dax_driver.type = DKA_DAXDRV_KMEM_TYPE;
#endif
	return __dax_driver_register(&dka_dax_driver, THIS_MODULE,
				     as_kmem ? "kmem" : KBUILD_MODNAME);
}

void dka_driver_unregister(void)
{
	dax_driver_unregister(&dka_dax_driver);
}

/* The device being probed is offered to our driver, not someone else's. */
bool dka_driver_owns(struct dev_dax *dev_dax)
{
	return dev_dax->dev.driver == &dka_dax_driver.drv;
}
