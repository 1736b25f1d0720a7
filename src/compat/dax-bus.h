/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Our view of the dax bus's private structures (drivers/dax/bus.h and
 * dax-private.h are not shipped in any headers package).
 *
 * struct dev_dax and struct dax_device_driver change between kernels, so
 * there is one view of them per layout family in layout-*.h; exactly one
 * is picked below and checked against the kernel's BTF at build time
 * (scripts/layout-check.sh).  A kernel that matches no family does not
 * build: a wrong view would make the module read the wrong fields.
 * Probe-time sanity checks in kmem.c (dka_dev_dax_sane()) back this up
 * at run time.
 */
#ifndef DKA_COMPAT_DAX_BUS_H
#define DKA_COMPAT_DAX_BUS_H

#include <linux/device.h>
#include <linux/idr.h>
#include <linux/ioport.h>
#include <linux/kref.h>
#include <linux/range.h>
#include <linux/types.h>
#include "dka_config.h"

#ifndef HAVE_ADD_MEMORY_DRIVER_MANAGED_FLAGS
#error "dax_kmem_atomic needs Linux 5.10 or later (add_memory_driver_managed() with mhp_t flags)"
#endif

struct dax_device;
struct dax_mapping;
struct dev_pagemap;

/* Unchanged from 5.10 to 7.3. */
struct dax_region {
	int id;
	int target_node;
	struct kref kref;
	struct device *dev;
	unsigned int align;
	struct ida ida;
	struct resource res;
	struct device *seed;
	struct device *youngest;
};

struct dev_dax_range {
	unsigned long pgoff;
	struct range range;
	struct dax_mapping *mapping;
};

/*
 * enum dax_driver_type (6.12+): the bus binds a driver to a device when
 * its name was written to the driver's new_id, or when the driver's type
 * equals the device's (KMEM for hmem and CXL regions, DEVICE otherwise).
 * We declare a type the bus never computes, so we are only ever bound on
 * request and never compete with kmem or device_dax.  The build checks
 * that no enumerator of the kernel's enum has this value.
 */
enum dka_dax_driver_type {
	DKA_DAXDRV_KMEM_TYPE = 0,
	DKA_DAXDRV_DEVICE_TYPE = 1,
	DKA_DAXDRV_ID_ONLY = 0xffff,
};

/*
 * The layout family: forced with "make DKA_LAYOUT=<family>" (written to
 * dka_config.h by scripts/probe.sh), else chosen from the feature probes.
 * Either way scripts/layout-check.sh verifies it against the kernel's BTF
 * when it can find it.  The probes only tell families apart; they do not
 * prove a layout.
 */
#if defined(DKA_LAYOUT_FILE)
#elif !defined(HAVE_MEMORY_GROUP)
#define DKA_LAYOUT_FILE "layout-v5.10.h"
#elif defined(HAVE_MEMORY_TIERS_ALLOC) && !defined(HAVE_MT_FIND_ALLOC_MEMORY_TYPE)
#define DKA_LAYOUT_FILE "layout-v6.1.h"
#elif defined(HAVE_MT_FIND_ALLOC_MEMORY_TYPE) && defined(HAVE_MEMORY_NOTIFY_STATUS_NID)
#define DKA_LAYOUT_FILE "layout-v6.12.h"
#elif defined(HAVE_MT_FIND_ALLOC_MEMORY_TYPE)
#define DKA_LAYOUT_FILE "layout-v7.2.h"
#else
/* See "Adding a kernel" in docs/internals.md. */
#error "dax_kmem_atomic: no dax structure layout is known for this kernel"
#endif
#include DKA_LAYOUT_FILE

/* Exported by the dax core (drivers/dax/bus.c) in every supported kernel. */
int __dax_driver_register(struct dax_device_driver *dax_drv,
			  struct module *module, const char *mod_name);
void dax_driver_unregister(struct dax_device_driver *dax_drv);

static inline struct dev_dax *dka_to_dev_dax(struct device *dev)
{
	return container_of(dev, struct dev_dax, dev);
}

/* Whether the device asks for its memmap on the hotplugged memory (6.12+). */
static inline bool dka_dev_dax_memmap_on_memory(struct dev_dax *dev_dax)
{
#ifdef DKA_DAX_MEMMAP_ON_MEMORY
	/* Only kmem's driver type freezes it while bound: read it per plug. */
	return READ_ONCE(dev_dax->memmap_on_memory);
#else
	return false;
#endif
}

/* What the core needs of the driver; dax_driver.c adapts it to the view. */
struct dka_driver_ops {
	int (*probe)(struct dev_dax *dev_dax);
	void (*remove)(struct dev_dax *dev_dax);
	const struct attribute_group **dev_groups;
};

int dka_driver_register(const struct dka_driver_ops *ops, bool as_kmem);
void dka_driver_unregister(void);
bool dka_driver_owns(struct dev_dax *dev_dax);

#endif /* DKA_COMPAT_DAX_BUS_H */
