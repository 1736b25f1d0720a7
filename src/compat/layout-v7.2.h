/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout family "v7.2" of the private dax structures: Linux 7.2 and 7.3
 * (Debian trixie-backports 7.2.N+deb13, 7.3.N+deb13).  dev_dax gains
 * cached_size at offset 16, moving every later member by 8 (nr_range at
 * 860, ranges at 864, size 872): commit not identified (fsdev_dax series,
 * J. Groves) - First in: v7.2 (Debian 7.2.12 has it, 6.12 not).
 */
#ifndef DKA_LAYOUT_H
#define DKA_LAYOUT_H

#define DKA_LAYOUT_NAME "v7.2"

struct dev_dax {
	struct dax_region *region;
	struct dax_device *dax_dev;
	u64 cached_size;
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
