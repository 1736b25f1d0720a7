// SPDX-License-Identifier: GPL-2.0
/*
 * main.c: the dax-kmem-atomic command line: the options, the commands and
 * which options each command takes, the usage text, and the dispatch to
 * the commands (cmd.h).
 *
 *	dax-kmem-atomic list [--json] [DEV...]
 *	dax-kmem-atomic attach DEV [--state STATE] [--force]
 *	dax-kmem-atomic set DEV STATE
 *	dax-kmem-atomic detach DEV
 *	dax-kmem-atomic apply [--dry-run] [--policy-dir DIR] [--force] [DEV...]
 *
 * Options may stand before or after the command word (getopt_long permutes
 * argv), as the udev rule, the unit and the man page's examples write them;
 * so one pass reads every option, and the command's entry in commands[]
 * then says which of them it takes.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "msg.h"
#include "util.h"

#ifndef DKA_VERSION
#define DKA_VERSION "unknown"
#endif

static const char usage_text[] =
"Usage: dax-kmem-atomic [OPTIONS] COMMAND [ARGS]\n"
"Drive the dax_kmem_atomic module: whole-device memory hotplug of dax\n"
"devices through their 'state' attribute.\n"
"\n"
"Commands:\n"
"  list [--json] [DEV...]      every dax device (or those named): driver, state,\n"
"                              size, node, ranges, memory blocks online/total, zones\n"
"  attach DEV [--state STATE]  load dax_kmem_atomic (libkmod, modprobe.d applies),\n"
"                              move DEV to it safely, then optionally set STATE\n"
"  set DEV STATE               write STATE to DEV's state attribute\n"
"  detach DEV                  unplug DEV, unbind it, hand it back to device_dax\n"
"  apply [DEV...]              make the devices that the policy files match\n"
"                              conform to them (all devices, or those named)\n"
"\n"
"STATE is one of unplugged, online, online_kernel, online_movable.\n"
"\n"
"Options:\n"
"  -j, --json             list: JSON output (field names in dax-kmem-atomic(8))\n"
"  -s, --state STATE      attach: the state to reach once bound\n"
"  -f, --force            attach, apply: unbind device_dax even if /dev/DEV is in use\n"
"  -n, --dry-run          apply: say what would be done, change nothing\n"
"  -p, --policy-dir DIR   apply: read DIR/*.conf (default " DKA_POLICY_DIR ")\n"
"  -k, --kmsg             copy messages to the kernel log (the udev rule uses it)\n"
"  -v, --verbose          say more (apply: devices left alone, ignored matches)\n"
"  -h, --help             this text\n"
"  -V, --version          the version\n"
"\n"
"Exit status:\n"
"  0  success (also: nothing to do)\n"
"  1  usage error: bad arguments, unknown state word\n"
"  2  no such device, or no dax bus\n"
"  3  refused: unsafe (memory online under another driver, /dev/DEV in use)\n"
"     or the device is not bound to a driver that can do it\n"
"  4  the kernel refused a write (the errno is in the message), or loading\n"
"     the module or binding failed\n"
"  5  a policy file is invalid (file:line in the message): nothing applied\n"
"apply goes on with the other devices after a failure and exits with the\n"
"highest status it met.\n"
"\n"
"See dax-kmem-atomic(8).\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "dax-kmem-atomic: %s (see dax-kmem-atomic --help)\n", buf);
	return EXIT_USAGE;
}

/* The options that belong to some commands only; the others every command takes. */
enum {
	OPT_JSON = 1 << 0,
	OPT_STATE = 1 << 1,
	OPT_FORCE = 1 << 2,
	OPT_DRY_RUN = 1 << 3,
	OPT_POLICY_DIR = 1 << 4,
};

static const struct cli_option {
	const char *name;
	int has_arg;
	char letter;
	unsigned int bit;	/* 0: taken by every command */
	const char *misuse;	/* the usage error where a command does not take it */
} options[] = {
	/* in the order the misuse errors are checked */
	{ "json", no_argument, 'j', OPT_JSON, "--json is an option of list" },
	{ "state", required_argument, 's', OPT_STATE,
	  "--state is an option of attach (else: set DEV STATE)" },
	{ "force", no_argument, 'f', OPT_FORCE, "--force is an option of attach and apply" },
	{ "dry-run", no_argument, 'n', OPT_DRY_RUN, "--dry-run and --policy-dir are options of apply" },
	{ "policy-dir", required_argument, 'p', OPT_POLICY_DIR,
	  "--dry-run and --policy-dir are options of apply" },
	{ "kmsg", no_argument, 'k', 0, NULL },
	{ "verbose", no_argument, 'v', 0, NULL },
	{ "help", no_argument, 'h', 0, NULL },
	{ "version", no_argument, 'V', 0, NULL },
};

static int cmd_help(const struct cmd_ctx *ctx, char **args, int nargs)
{
	(void)ctx;
	(void)args;
	(void)nargs;
	fputs(usage_text, stdout);
	return EXIT_OK;
}

static const struct cli_command {
	const char *name;
	unsigned int opts;	/* the OPT_* it takes */
	int min_args, max_args;	/* max -1: any number */
	const char *args_error;	/* the usage error for another number */
	int (*run)(const struct cmd_ctx *ctx, char **args, int nargs);
} commands[] = {
	{ "list", OPT_JSON, 0, -1, NULL, cmd_list },
	{ "attach", OPT_STATE | OPT_FORCE, 1, 1, "attach takes one device", cmd_attach },
	{ "set", 0, 2, 2, "set takes a device and a state", cmd_set },
	{ "detach", 0, 1, 1, "detach takes one device", cmd_detach },
	/* --force: apply attaches, with attach's rules */
	{ "apply", OPT_FORCE | OPT_DRY_RUN | OPT_POLICY_DIR, 0, -1, NULL, cmd_apply },
	{ "help", 0, 0, -1, NULL, cmd_help },
};

/*
 * parse_options() - every option of ARGV into CTX, and in *SEEN the OPT_*
 * bits given.  Return: -1 to go on, else the exit status (--help,
 * --version, a bad option).
 */
static int parse_options(int argc, char **argv, struct cmd_ctx *ctx, unsigned int *seen)
{
	struct option longopts[ARRAY_SIZE(options) + 1] = { { 0 } };
	char shortopts[2 * ARRAY_SIZE(options) + 1], *sp = shortopts;
	size_t i;
	int c;

	for (i = 0; i < ARRAY_SIZE(options); i++) {
		longopts[i].name = options[i].name;
		longopts[i].has_arg = options[i].has_arg;
		longopts[i].val = options[i].letter;
		*sp++ = options[i].letter;
		if (options[i].has_arg == required_argument)
			*sp++ = ':';
	}
	*sp = '\0';
	*seen = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctx->json = true;
			*seen |= OPT_JSON;
			break;
		case 's':
			ctx->state = optarg;
			*seen |= OPT_STATE;
			break;
		case 'f':
			ctx->force = true;
			*seen |= OPT_FORCE;
			break;
		case 'n':
			ctx->dry_run = true;
			*seen |= OPT_DRY_RUN;
			break;
		case 'p':
			ctx->policy_dir = optarg;
			*seen |= OPT_POLICY_DIR;
			break;
		case 'k':
			ctx->kmsg = true;
			break;
		case 'v':
			ctx->verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'V':
			printf("dax-kmem-atomic %s\n", DKA_VERSION);
			return EXIT_OK;
		default:	/* getopt_long said what */
			return usage_error("bad option");
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	const struct cli_command *cmd = NULL;
	struct cmd_ctx ctx = { 0 };
	unsigned int seen;
	const char *word;
	char **args;
	size_t i;
	int rc, nargs;

	rc = parse_options(argc, argv, &ctx, &seen);
	if (rc >= 0)
		return rc;
	msg_setup(ctx.verbose, ctx.kmsg);
	if (optind >= argc)
		return usage_error("no command given");
	word = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(word, commands[i].name))
			cmd = &commands[i];
	/* the options are judged first: "bogus --json" is told where --json belongs */
	for (i = 0; i < ARRAY_SIZE(options); i++)
		if (seen & options[i].bit & ~(cmd ? cmd->opts : 0))
			return usage_error("%s", options[i].misuse);
	if (!cmd)
		return usage_error("unknown command '%s'", word);
	if (nargs < cmd->min_args || (cmd->max_args >= 0 && nargs > cmd->max_args))
		return usage_error("%s", cmd->args_error);
	return cmd->run(&ctx, args, nargs);
}
