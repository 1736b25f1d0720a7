/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysfs.h: the dax bus and the memory blocks as the command sees them
 * (sysfs.c): one dax device read from sysfs (struct daxdev_info), the
 * state of our module (struct our_driver), and the reads and writes.
 * Everything sysfs.c exports is named sysfs_*.
 */
#ifndef DKACTL_SYSFS_H
#define DKACTL_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define DKA_MODULE	"dax_kmem_atomic"
#define DAX_BUS		"/sys/bus/dax"
#define DAX_DEVICES	DAX_BUS "/devices"
#define DAX_DRIVERS	DAX_BUS "/drivers"
#define MEMORY_DIR	"/sys/devices/system/memory"

#define DAXDEV_ZONES_MAX 4	/* hotplugged memory is in Normal or Movable */

/* One dax device, from /sys/bus/dax/devices/NAME and its memory blocks. */
struct daxdev_info {
	char name[64];
	int region;			/* R of daxR.N */
	char driver[64];		/* "" when unbound */
	char drv_module[64];		/* the driver's module; "" when built in */
	bool ours;			/* bound to dax_kmem_atomic */
	bool has_state;
	char state[32];			/* when has_state */
	int drift;			/* -1: no drift attribute */
	uint64_t size;
	int target_node;
	int numa_node;
	struct mem_range *ranges;	/* sorted by start; malloc'ed */
	int nr_ranges;
	long blocks_total;		/* blocks the ranges cover (aligned inward) */
	long blocks_present;		/* of those, memoryN that exist */
	long blocks_online;
	char zones[DAXDEV_ZONES_MAX][16];	/* distinct zones of the online blocks */
	int nr_zones;
	unsigned int major, minor;	/* the dev attribute (/dev/daxR.N) */
};

/* Our module and the name of its driver on the dax bus. */
struct our_driver {
	bool loaded;
	bool replace;			/* replace_kmem=Y: the driver is "kmem" */
	bool registered;		/* /sys/bus/dax/drivers/NAME is ours */
	char name[32];
	char version[32];
	int exclusive;			/* -1 unknown */
};

#define DRIVER_LABEL_MAX 80	/* "kmem (dax_kmem_atomic)", or a driver[] */

/* the file's content without the trailing newline; 0 or -errno */
int sysfs_read(const char *path, char *buf, size_t len);
/* one write(2) of VAL; 0 or -errno */
int sysfs_write(const char *path, const char *val);

bool sysfs_dax_bus_present(void);
uint64_t sysfs_memory_block_size(void);	/* 0 when unknown */

/*
 * D from sysfs; 0, -ENOENT (no such device) or -errno.  Call
 * sysfs_daxdev_free() after it either way.
 */
int sysfs_daxdev_read(const char *name, struct daxdev_info *d);
void sysfs_daxdev_free(struct daxdev_info *d);
/* the devices' names, sorted (dax0.2 before dax0.10); the count or -errno */
int sysfs_daxdev_names(char ***names);
void sysfs_names_free(char **names, int n);

void sysfs_our_driver_read(struct our_driver *drv);
bool sysfs_driver_present(const char *drv);
/* write DEV to /sys/bus/dax/drivers/DRV/ATTR (bind, unbind, new_id, ...) */
int sysfs_driver_write(const char *drv, const char *attr, const char *dev);
/* the driver as list and messages name it; returns BUF */
const char *sysfs_driver_label(const struct daxdev_info *d, char *buf, size_t len);

#endif
