/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DKA_HOTPLUG_H
#define DKA_HOTPLUG_H

#include "dka.h"

int dka_ranges_add(struct dka_dev *d);
int dka_ranges_remove(struct dka_dev *d);
bool dka_ranges_left(struct dka_dev *d);
int dka_blocks_online(struct dka_dev *d, int type);
int dka_ranges_unplug(struct dka_dev *d);

/* How many of a device's added blocks are in each state (one reading). */
struct dka_census {
	unsigned int added;	/* blocks added (the rest are in no state) */
	unsigned int offline;
	unsigned int kernel;	/* online in a kernel zone */
	unsigned int movable;	/* online in ZONE_MOVABLE */
};

/* How a reader of a block waits for a change of it in flight. */
enum dka_read {
	DKA_READ_WAIT,	/* transitions: the truth, whatever the writer has pending */
	DKA_READ_INTR,	/* readers of "drift": interruptibly */
	DKA_READ_TRY,	/* the drift work: not at all (it looks again later) */
};

int dka_blocks_census(struct dka_dev *d, struct dka_census *c,
		      enum dka_read how);
unsigned int dka_census_drift(const struct dka_census *c, int state);
int dka_census_truth(const struct dka_census *c);
unsigned int dka_blocks_drift(struct dka_dev *d);
void dka_blocks_put_all(struct dka_dev *d);
int dka_default_online_type(struct dka_dev *d);

#endif /* DKA_HOTPLUG_H */
