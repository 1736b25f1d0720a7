/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The truth of a device's blocks: reading them (the census), the state
 * they make true, how many differ from "state" (drift), and the work that
 * reports changes made behind "state".
 */
#ifndef DKA_DRIFT_H
#define DKA_DRIFT_H

#include "block.h"
#include "dka.h"

/* How many of a device's added blocks are in each state (one reading). */
struct dka_census {
	unsigned int added;	/* blocks added (the rest are in no state) */
	unsigned int offline;
	unsigned int kernel;	/* online in a kernel zone */
	unsigned int movable;	/* online in ZONE_MOVABLE */
};

int dka_blocks_census(struct dka_dev *d, struct dka_census *c,
		      enum dka_read how);
unsigned int dka_census_drift(const struct dka_census *c, int state);
int dka_census_truth(const struct dka_census *c);
unsigned int dka_blocks_drift(struct dka_dev *d);
int dka_state_after(struct dka_dev *d, int old);

void dka_drift_init(struct dka_dev *d);
void dka_drift_report(struct dka_dev *d);
void dka_drift_stop(struct dka_dev *d);

#endif /* DKA_DRIFT_H */
