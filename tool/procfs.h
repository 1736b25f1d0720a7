/* SPDX-License-Identifier: GPL-2.0 */
/* procfs.h: the processes that use a dax device (procfs.c). */
#ifndef DKACTL_PROCFS_H
#define DKACTL_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

struct daxdev_info;

/*
 * procfs_daxdev_user() - a process (not this one) that has D's character
 * device open or mapped.  Return: 1 (PID and COMM set), 0 (none found).
 */
int procfs_daxdev_user(const struct daxdev_info *d, pid_t *pid, char *comm, size_t len);

#endif
