/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout family "v6.12" (Debian trixie 6.12.N+deb13, bookworm-backports
 * 6.12.N+deb12): dev_dax.memmap_on_memory (nr_range 828, ranges 832, size
 * 840), 73954d379efd ("dax: add a sysfs knob to control memmap_on_memory
 * behavior") - First in: v6.9; driver type for match_always since
 * e9ee9fe3a9d4 (v6.3, see layout-v6.1.h).  No family fits v6.3 to v6.8.
 */
#ifndef DKA_LAYOUT_H
#define DKA_LAYOUT_H

#define DKA_LAYOUT_NAME "v6.12"

struct dev_dax {
	struct dax_region *region;
	struct dax_device *dax_dev;
	unsigned int align;
	int target_node;
	bool dyn_id;
	int id;
	struct ida ida;
	struct device dev;
	struct dev_pagemap *pgmap;
	bool memmap_on_memory;
	int nr_range;
	struct dev_dax_range *ranges;
};

struct dax_device_driver {
	struct device_driver drv;
	struct list_head ids;
	enum dka_dax_driver_type type;
	int (*probe)(struct dev_dax *dev);
	void (*remove)(struct dev_dax *dev);
};

#define DKA_DAX_DRIVER_TYPE 1
#define DKA_DAX_MEMMAP_ON_MEMORY 1

#endif /* DKA_LAYOUT_H */
