/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DKA_HOTPLUG_H
#define DKA_HOTPLUG_H

#include "dka.h"

int dka_hotplug_init(void);
void dka_hotplug_exit(void);

int dka_ranges_add(struct dka_dev *d);
int dka_ranges_remove(struct dka_dev *d);
int dka_blocks_online(struct dka_dev *d, int type);
int dka_blocks_offline(struct dka_dev *d);
int dka_ranges_unplug(struct dka_dev *d, bool *offline);
unsigned int dka_blocks_drift(struct dka_dev *d);
int dka_blocks_truth(struct dka_dev *d);
void dka_blocks_put_all(struct dka_dev *d);
int dka_default_online_type(struct dka_dev *d);

#endif /* DKA_HOTPLUG_H */
