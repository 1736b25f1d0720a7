/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory-hotplug and memory-tier API differences between kernels, behind
 * one interface.  Each variant is chosen by a feature probe (probes/),
 * never by a version number.
 */
#ifndef DKA_COMPAT_MM_H
#define DKA_COMPAT_MM_H

#include <linux/range.h>
#include <linux/types.h>
#include "dka_config.h"

int dka_mm_init(void);
void dka_mm_exit(void);

int dka_mgroup_register(int nid, u64 total_bytes);
void dka_mgroup_unregister(int mgid);

int dka_add_memory(int nid, int mgid, u64 start, u64 size, const char *name,
		   bool memmap_on_memory);
int dka_remove_memory(int nid, u64 start, u64 size);
int dka_offline_and_remove_ranges(const struct range *ranges, unsigned int nr);
int dka_offline_and_remove_range(int nid, const struct range *r);

int dka_node_tier_init(int nid);
void dka_node_tier_clear(int nid);

/* No memory group: the add path takes the node id. */
#define DKA_NO_MGROUP (-1)

#endif /* DKA_COMPAT_MM_H */
