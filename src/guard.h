/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DKA_GUARD_H
#define DKA_GUARD_H

#include "dka.h"

int dka_guard_init(void);
void dka_guard_exit(void);
void dka_guard_add(struct dka_dev *d);
void dka_guard_del(struct dka_dev *d);
void dka_guard_begin(struct dka_dev *d);
void dka_guard_hand_over(struct dka_dev *d, struct task_struct *task);
void dka_guard_hold_offline(struct dka_dev *d, bool hold);
void dka_guard_end(struct dka_dev *d);
unsigned long dka_guard_last_offlined(struct dka_dev *d);

#endif /* DKA_GUARD_H */
