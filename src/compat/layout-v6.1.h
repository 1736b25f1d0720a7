/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout family "v6.1" of the private dax structures: Linux 6.1 (Debian
 * bookworm 6.1.0-N).  Same as v5.10 except that the driver's remove()
 * returns void: 0d519e0d52ee ("dax-device: Make remove callback return
 * void") - First in: v5.12.  Ends with match_always: e9ee9fe3a9d4 ("dax:
 * Assign RAM regions to memory-hotplug by default") - Gone in: v6.3.
 */
#ifndef DKA_LAYOUT_H
#define DKA_LAYOUT_H

#define DKA_LAYOUT_NAME "v6.1"

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
	void (*remove)(struct dev_dax *dev);
};

#endif /* DKA_LAYOUT_H */
