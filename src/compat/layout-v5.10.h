/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout family "v5.10" of the private dax structures: Linux 5.10 (Debian
 * bullseye 5.10.0-N).  dev_dax.nr_range at 808, ranges at 816, size 824;
 * dax_device_driver with match_always and an int remove().
 * Ends with: 0d519e0d52ee ("dax-device: Make remove callback return void")
 *   - Gone in: v5.12.  Last with: v5.11.
 */
#ifndef DKA_LAYOUT_H
#define DKA_LAYOUT_H

#define DKA_LAYOUT_NAME "v5.10"

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
	int nr_range;
	struct dev_dax_range *ranges;
};

struct dax_device_driver {
	struct device_driver drv;
	struct list_head ids;
	int match_always;
	int (*probe)(struct dev_dax *dev);
	int (*remove)(struct dev_dax *dev);
};

#define DKA_DAX_REMOVE_RETURNS_INT 1

#endif /* DKA_LAYOUT_H */
