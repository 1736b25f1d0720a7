/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cmd.h: the commands of dax-kmem-atomic (cmd_*: list in list.c, the
 * others in ops.c), what they return (the exit codes) and what they are
 * given (struct cmd_ctx, the parsed options).
 */
#ifndef DKACTL_CMD_H
#define DKACTL_CMD_H

#include <stdbool.h>

#define DKA_POLICY_DIR	"/etc/dax-kmem-atomic.d"

/* Exit codes (dax-kmem-atomic.8, --help). */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,		/* bad arguments, unknown state word */
	EXIT_NODEV = 2,		/* no such device, no dax bus */
	EXIT_REFUSED = 3,	/* refused as unsafe or not ours */
	EXIT_KERNEL = 4,	/* a write or the module load failed */
	EXIT_POLICY = 5,	/* a policy file is invalid: nothing done */
};

/* What the command line asked for (main.c fills it, the commands read it). */
struct cmd_ctx {
	bool verbose;		/* -v: msg_verbose() shows, apply names ignored matches */
	bool json;		/* list */
	bool dry_run;		/* apply */
	bool force;		/* attach, apply: unbind device_dax though in use */
	bool kmsg;		/* copy messages to /dev/kmsg */
	const char *state;	/* attach --state; NULL: stay as bound */
	const char *policy_dir;	/* apply; NULL: DKA_POLICY_DIR */
};

/*
 * The commands: ARGS are the words after the command's name; main.c has
 * checked their number.  Return: an exit code.
 */
int cmd_list(const struct cmd_ctx *ctx, char **args, int nargs);	/* [DEV...] */
int cmd_attach(const struct cmd_ctx *ctx, char **args, int nargs);	/* DEV */
int cmd_set(const struct cmd_ctx *ctx, char **args, int nargs);		/* DEV STATE */
int cmd_detach(const struct cmd_ctx *ctx, char **args, int nargs);	/* DEV */
int cmd_apply(const struct cmd_ctx *ctx, char **args, int nargs);	/* [DEV...] */

#endif
