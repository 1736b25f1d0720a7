/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The all-or-nothing steps of a transition, each with its rollback:
 * online every block of a device, or unplug (offline and remove) all.
 */
#ifndef DKA_TRANSITION_H
#define DKA_TRANSITION_H

#include "dka.h"

int dka_blocks_online(struct dka_dev *d, int type);
int dka_ranges_unplug(struct dka_dev *d);

#endif /* DKA_TRANSITION_H */
