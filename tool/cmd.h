/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd.h: the commands of dax-kmem-atomic (cmd_*: list in list.c, the
 * others in ops.c), what they return (the exit codes) and the options
 * they are given.
 */
#ifndef DKACTL_CMD_H
#define DKACTL_CMD_H

#include <stdbool.h>

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

int cmd_list(char **names, int n);
int cmd_attach(const char *name, const char *state);
int cmd_set(const char *name, const char *state);
int cmd_detach(const char *name);
int cmd_apply(char **names, int n);

#endif
