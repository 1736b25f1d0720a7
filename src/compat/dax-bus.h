/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Our view of the dax bus's private structures (drivers/dax/bus.h and
 * dax-private.h are not shipped in any headers package).
 *
 * The layout changes between kernels, so there is one view per layout
 * family in layout-*.h, and exactly one is picked here from the feature
 * probes.  A kernel that matches no family does not build: a wrong view
 * would make the module read the wrong fields.  Probe-time sanity checks
 * in kmem.c (dka_dev_dax_sane()) back this up at run time.
 */
#ifndef DKA_COMPAT_DAX_BUS_H
#define DKA_COMPAT_DAX_BUS_H

#include <linux/device.h>
#include <linux/idr.h>
#include <linux/ioport.h>
#include <linux/kref.h>
#include <linux/range.h>
#include "dka_config.h"

#ifndef HAVE_ADD_MEMORY_DRIVER_MANAGED_FLAGS
#error "dax_kmem_atomic needs Linux 5.10 or later (add_memory_driver_managed() with mhp_t flags)"
#endif

#if defined(DKA_LAYOUT_V5_10) || defined(DKA_LAYOUT_V6_1)
/* Forced with make DKA_LAYOUT=... (experts only). */
#elif !defined(HAVE_MEMORY_GROUP)
#define DKA_LAYOUT_V5_10
#elif defined(HAVE_MEMORY_TIERS_ALLOC) && !defined(HAVE_MT_FIND_ALLOC_MEMORY_TYPE)
#define DKA_LAYOUT_V6_1
#else
/* Report the kernel release and its /sys/kernel/btf/vmlinux, please. */
#error "dax_kmem_atomic: no dax bus layout is known for this kernel yet"
#endif

#if defined(DKA_LAYOUT_V5_10)
#include "layout-v5.10.h"
#elif defined(DKA_LAYOUT_V6_1)
#include "layout-v6.1.h"
#endif

/* Exported by the dax core (drivers/dax/bus.c) in every supported kernel. */
int __dax_driver_register(struct dax_device_driver *dax_drv,
			  struct module *module, const char *mod_name);
void dax_driver_unregister(struct dax_device_driver *dax_drv);

static inline struct dev_dax *dka_to_dev_dax(struct device *dev)
{
	return container_of(dev, struct dev_dax, dev);
}

/* What the core needs of the driver; dax_driver.c adapts it to the view. */
struct dka_driver_ops {
	int (*probe)(struct dev_dax *dev_dax);
	void (*remove)(struct dev_dax *dev_dax);
	const struct attribute_group **dev_groups;
};

int dka_driver_register(const struct dka_driver_ops *ops);
void dka_driver_unregister(void);
bool dka_driver_owns(struct dev_dax *dev_dax);

#endif /* DKA_COMPAT_DAX_BUS_H */
