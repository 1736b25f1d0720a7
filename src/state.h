/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device's "state": the words of its sysfs attribute, how a reading of
 * the blocks maps to a state, and the uevent that announces a change.
 */
#ifndef DKA_STATE_H
#define DKA_STATE_H

#include "dka.h"

const char *dka_state_name(int state);
int dka_state_parse(const char *buf);
int dka_state_for(int old, int truth);
void dka_state_announce(struct dka_dev *d, int state, int drift);

#endif /* DKA_STATE_H */
