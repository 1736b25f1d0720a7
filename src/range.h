/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device's memory: its ranges reserved and added to the kernel (blocks
 * offline), removed, or abandoned to the kernel until reboot.
 */
#ifndef DKA_RANGE_H
#define DKA_RANGE_H

#include "dka.h"

int dka_ranges_add(struct dka_dev *d);
int dka_ranges_remove(struct dka_dev *d);
void dka_ranges_removed(struct dka_dev *d);
bool dka_ranges_left(struct dka_dev *d);
void dka_ranges_abandon(struct dka_dev *d);

int dka_ranges_init(void);
void dka_ranges_exit(void);

#endif /* DKA_RANGE_H */
