// SPDX-License-Identifier: GPL-2.0
/*
 * list.c: "list": the module's line, then one line per dax device
 * (human-readable here, --json in json.c).  It only reads, so it works
 * without our module, and with Linux 7.3's in-kernel kmem.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "msg.h"
#include "sysfs.h"

/* whole GiB or MiB as such; above 1 GiB otherwise two decimals of GiB */
static void human_size(uint64_t b, char *buf, size_t len)
{
	const uint64_t g = 1ULL << 30, m = 1ULL << 20;

	if (b && !(b % g))
		bprintf(buf, len, "%" PRIu64 " GiB", b / g);
	else if (b >= g)
		bprintf(buf, len, "%.2f GiB", (double)b / g);
	else if (b && !(b % m))
		bprintf(buf, len, "%" PRIu64 " MiB", b / m);
	else
		bprintf(buf, len, "%" PRIu64 " B", b);
}

static void list_human(char **names, int n, const struct our_driver *drv)
{
	char label[DRIVER_LABEL_MAX];
	char size[32], blocks[48], zones[80], node[16];
	struct daxdev_info d;
	int i, r, z, len;

	if (drv->loaded)
		printf("module %s %s loaded: driver %s%s, exclusive=%s\n", DKA_MODULE,
		       drv->version[0] ? drv->version : "?", drv->name,
		       drv->replace ? " (replace_kmem=Y)" : "",
		       drv->exclusive < 0 ? "?" : drv->exclusive ? "Y" : "N");
	else
		printf("module %s not loaded\n", DKA_MODULE);
	if (!n) {
		printf("no dax devices\n");
		return;
	}
	printf("%-8s %-24s %-15s %10s %4s %7s %-8s %s\n", "DEVICE", "DRIVER", "STATE", "SIZE",
	       "NODE", "BLOCKS", "ZONES", "RANGES");
	for (i = 0; i < n; i++) {
		if (sysfs_daxdev_read(names[i], &d)) {
			sysfs_daxdev_free(&d);
			continue;
		}
		human_size(d.size, size, sizeof(size));
		bprintf(blocks, sizeof(blocks), "%ld/%ld", d.blocks_online, d.blocks_total);
		if (d.target_node >= 0)
			bprintf(node, sizeof(node), "%d", d.target_node);
		else
			bprintf(node, sizeof(node), "-");
		zones[0] = '\0';
		for (z = 0, len = 0; z < d.nr_zones; z++)
			len += bprintf(zones + len, sizeof(zones) - len, "%s%s", z ? "," : "", d.zones[z]);
		printf("%-8s %-24s %-15s %10s %4s %7s %-8s ", d.name, sysfs_driver_label(&d, label, sizeof(label)),
		       d.has_state ? d.state : "-", size, node, blocks, zones[0] ? zones : "-");
		for (r = 0; r < d.nr_ranges; r++)
			printf("%s%#" PRIx64 "-%#" PRIx64, r ? "," : "", d.ranges[r].start, d.ranges[r].end);
		printf("%s\n", d.nr_ranges ? "" : "-");
		sysfs_daxdev_free(&d);
	}
}

int cmd_list(const struct cmd_ctx *ctx, char **args, int nargs)
{
	struct our_driver drv;
	char **names = NULL;
	int n, i, rc = 0;
	struct daxdev_info d;

	sysfs_our_driver_read(&drv);
	if (!sysfs_dax_bus_present()) {
		msg_err("list: no dax bus (%s does not exist): no dax devices on this system (no dax core loaded, or a kernel without CONFIG_DEV_DAX)",
			DAX_BUS);
		if (ctx->json)
			json_list(stdout, NULL, 0, &drv);
		return EXIT_NODEV;
	}
	/* every name checked before any output: a typo gives no half table */
	if (nargs) {
		for (i = 0; i < nargs; i++) {
			if (sysfs_daxdev_read(args[i], &d)) {
				msg_err("list: %s: no such dax device", args[i]);
				rc = EXIT_NODEV;
			}
			sysfs_daxdev_free(&d);
		}
		if (rc)
			return rc;
		names = args;
		n = nargs;
	} else {
		n = sysfs_daxdev_names(&names);
		if (n < 0) {
			msg_err("list: read %s: %s", DAX_DEVICES, strerror(-n));
			return EXIT_KERNEL;
		}
	}
	if (ctx->json)
		json_list(stdout, names, n, &drv);
	else
		list_human(names, n, &drv);
	if (!nargs)
		sysfs_names_free(names, n);
	return 0;
}
