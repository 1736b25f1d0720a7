/* SPDX-License-Identifier: GPL-2.0 */
/* json.h: "list --json" (json.c). */
#ifndef DKACTL_JSON_H
#define DKACTL_JSON_H

#include <stdio.h>

struct our_driver;

/* the whole object for devices NAMES (gone ones are left out) and DRV */
void json_list(FILE *f, char **names, int n, const struct our_driver *drv);

#endif
