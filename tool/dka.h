/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dka.h: what the files of the dax-kmem-atomic command share: exit codes,
 * messages, the view of one dax device read from sysfs, our driver, and
 * the operations (attach, set, detach, apply).
 */
#ifndef DKA_TOOL_H
#define DKA_TOOL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "policy.h"

#define DKA_MODULE	"dax_kmem_atomic"
#define DAX_BUS		"/sys/bus/dax"
#define DAX_DEVICES	DAX_BUS "/devices"
#define DAX_DRIVERS	DAX_BUS "/drivers"
#define MEMORY_DIR	"/sys/devices/system/memory"
#define DKA_POLICY_DIR	"/etc/dax-kmem-atomic.d"

/* Exit codes (dax-kmem-atomic.8, --help, README). */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,		/* bad arguments, unknown state word */
	EXIT_NODEV = 2,		/* no such device, no dax bus */
	EXIT_REFUSED = 3,	/* refused as unsafe or not ours */
	EXIT_KERNEL = 4,	/* a write or the module load failed */
	EXIT_POLICY = 5,	/* a policy file is invalid: nothing done */
};

/* Options every command may look at. */
struct dka_opts {
	bool verbose;
	bool json;
	bool dry_run;
	bool force;
	bool kmsg;		/* copy messages to /dev/kmsg */
	const char *state;	/* attach --state */
	const char *policy_dir;
};
extern struct dka_opts opts;

/* messages: "dax-kmem-atomic: " + text; also to /dev/kmsg with --kmsg */
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define DAXDEV_ZONES_MAX 4

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
	struct mem_range *ranges;
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

/* sysfs.c */
/* snprintf() that may truncate, on purpose: sysfs names are short */
int bprintf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool sysfs_dax_bus_present(void);
uint64_t sysfs_memory_block_size(void);
int sysfs_read(const char *path, char *buf, size_t len);
int sysfs_write(const char *path, const char *val);
int sysfs_daxdev_read(const char *name, struct daxdev_info *d);
void sysfs_daxdev_free(struct daxdev_info *d);
int sysfs_daxdev_names(char ***names);	/* sorted; returns the count or -errno */
void sysfs_names_free(char **names, int n);
void sysfs_our_driver_read(struct our_driver *drv);
bool sysfs_driver_present(const char *drv);
int sysfs_driver_write(const char *drv, const char *attr, const char *dev);
int procfs_daxdev_user(const struct daxdev_info *d, pid_t *pid, char *comm, size_t len);
#define DRIVER_LABEL_MAX 80	/* "kmem (dax_kmem_atomic)", or a driver[] */
/* the driver as list and messages name it; returns BUF */
const char *sysfs_driver_label(const struct daxdev_info *d, char *buf, size_t len);

/* kmod.c */
int modprobe_load(const char *who, const char *name);

/* json.c */
void json_list(FILE *f, char **names, int n, const struct our_driver *drv);

/* ops.c */
int cmd_attach(const char *name, const char *state);
int cmd_set(const char *name, const char *state);
int cmd_detach(const char *name);
int cmd_apply(char **names, int n);

#endif
