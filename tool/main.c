// SPDX-License-Identifier: GPL-2.0
/*
 * main.c: the dax-kmem-atomic command line: options, usage, and the
 * dispatch to the commands (cmd.h).
 *
 *	dax-kmem-atomic list [--json] [DEV...]
 *	dax-kmem-atomic attach DEV [--state STATE] [--force]
 *	dax-kmem-atomic set DEV STATE
 *	dax-kmem-atomic detach DEV
 *	dax-kmem-atomic apply [--dry-run] [--policy-dir DIR] [DEV...]
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

struct dka_opts opts;

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
"  -f, --force            attach: unbind device_dax even if /dev/DEV is in use\n"
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "state", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "policy-dir", required_argument, NULL, 'p' },
		{ "kmsg", no_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	char **args;
	int c, nargs;

	while ((c = getopt_long(argc, argv, "js:fnp:kvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opts.json = true;
			break;
		case 's':
			opts.state = optarg;
			break;
		case 'f':
			opts.force = true;
			break;
		case 'n':
			opts.dry_run = true;
			break;
		case 'p':
			opts.policy_dir = optarg;
			break;
		case 'k':
			opts.kmsg = true;
			break;
		case 'v':
			opts.verbose = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("dax-kmem-atomic %s\n", DKA_VERSION);
			return 0;
		default:
			return usage_error("bad option");
		}
	}
	msg_setup(opts.verbose, opts.kmsg);
	if (optind >= argc)
		return usage_error("no command given");
	cmd = argv[optind];
	args = argv + optind + 1;
	nargs = argc - optind - 1;
	if (opts.json && strcmp(cmd, "list"))
		return usage_error("--json is an option of list");
	if (opts.state && strcmp(cmd, "attach"))
		return usage_error("--state is an option of attach (else: set DEV STATE)");
	if (opts.force && strcmp(cmd, "attach") && strcmp(cmd, "apply"))
		return usage_error("--force is an option of attach and apply");
	if ((opts.dry_run || opts.policy_dir) && strcmp(cmd, "apply"))
		return usage_error("--dry-run and --policy-dir are options of apply");

	if (!strcmp(cmd, "list"))
		return cmd_list(args, nargs);
	if (!strcmp(cmd, "attach")) {
		if (nargs != 1)
			return usage_error("attach takes one device");
		return cmd_attach(args[0], opts.state);
	}
	if (!strcmp(cmd, "set")) {
		if (nargs != 2)
			return usage_error("set takes a device and a state");
		return cmd_set(args[0], args[1]);
	}
	if (!strcmp(cmd, "detach")) {
		if (nargs != 1)
			return usage_error("detach takes one device");
		return cmd_detach(args[0]);
	}
	if (!strcmp(cmd, "apply"))
		return cmd_apply(args, nargs);
	if (!strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	return usage_error("unknown command '%s'", cmd);
}
