/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One memory block (memoryN), driven through its own sysfs methods.
 * Nothing here knows about dax devices: callers pass the block's device.
 */
#ifndef DKA_BLOCK_H
#define DKA_BLOCK_H

#include <linux/device.h>

/* What a block's "state" and "valid_zones" say about it. */
enum {
	DKA_BLK_OFFLINE,
	DKA_BLK_KERNEL,		/* online, in a kernel zone */
	DKA_BLK_MOVABLE,	/* online, in ZONE_MOVABLE */
};

/* How a reader of a block waits for a change of it in flight. */
enum dka_read {
	DKA_READ_WAIT,	/* transitions: the truth, whatever the writer has pending */
	DKA_READ_INTR,	/* readers of "drift": interruptibly */
	DKA_READ_TRY,	/* the drift work: not at all (it looks again later) */
};

struct device *dka_block_get(struct device *dax_dev, unsigned long id,
			     struct device *hint);
int dka_block_write(struct device *blk, int type, bool intr);
int dka_block_status(struct device *blk, char *page, enum dka_read how);
int dka_block_policy(struct device *blk, char *page);

#endif /* DKA_BLOCK_H */
