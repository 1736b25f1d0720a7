// SPDX-License-Identifier: GPL-2.0
/*
 * json.c: "list --json", written by hand (libc only).  One object:
 *
 *	{
 *	  "memory_block_size": 134217728,
 *	  "module": { "loaded": true, "version": "0.3.0", ... },
 *	  "devices": [
 *	    { "device": "dax0.0", ... },	one line per device
 *	  ]
 *	}
 *
 * The field names are stable; dax-kmem-atomic.8 lists them.
 * Numbers are decimal (sizes and addresses in bytes); an absent value is
 * null.
 */
#include <inttypes.h>
#include <string.h>

#include "json.h"
#include "sysfs.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* "key": "value" or null when VALUE is NULL or empty */
static void kv_str(FILE *f, const char *sep, const char *key, const char *value)
{
	fprintf(f, "%s\"%s\": ", sep, key);
	if (value && *value)
		json_str(f, value);
	else
		fputs("null", f);
}

static void kv_int(FILE *f, const char *sep, const char *key, long long v, bool present)
{
	if (present)
		fprintf(f, "%s\"%s\": %lld", sep, key, v);
	else
		fprintf(f, "%s\"%s\": null", sep, key);
}

/* V < 0 is null: the module's parameters are unknown when it is not loaded */
static void kv_bool(FILE *f, const char *sep, const char *key, int v)
{
	fprintf(f, "%s\"%s\": %s", sep, key, v < 0 ? "null" : v ? "true" : "false");
}

static void device_json(FILE *f, const struct daxdev_info *d)
{
	int i;

	fputc('{', f);
	kv_str(f, "", "device", d->name);
	kv_int(f, ", ", "region", d->region, d->region >= 0);
	kv_str(f, ", ", "driver", d->driver);
	kv_str(f, ", ", "driver_module", d->drv_module);
	kv_bool(f, ", ", "ours", d->ours);
	kv_str(f, ", ", "state", d->has_state ? d->state : NULL);
	kv_int(f, ", ", "drift", d->drift, d->drift >= 0);
	fprintf(f, ", \"size\": %" PRIu64, d->size);
	kv_int(f, ", ", "target_node", d->target_node, d->target_node >= 0);
	kv_int(f, ", ", "numa_node", d->numa_node, d->numa_node >= 0);
	fputs(", \"ranges\": [", f);
	for (i = 0; i < d->nr_ranges; i++)
		fprintf(f, "%s{\"start\": %" PRIu64 ", \"end\": %" PRIu64 "}", i ? ", " : "",
			d->ranges[i].start, d->ranges[i].end);
	fputc(']', f);
	fprintf(f, ", \"memblocks_total\": %ld, \"memblocks_present\": %ld, \"memblocks_online\": %ld",
		d->blocks_total, d->blocks_present, d->blocks_online);
	fputs(", \"zones\": [", f);
	for (i = 0; i < d->nr_zones; i++) {
		if (i)
			fputs(", ", f);
		json_str(f, d->zones[i]);
	}
	fputs("]}", f);
}

void json_list(FILE *f, char **names, int n, const struct our_driver *drv)
{
	struct daxdev_info d;
	int i, first = 1;

	fprintf(f, "{\n  \"memory_block_size\": %" PRIu64 ",\n", sysfs_memory_block_size());
	fputs("  \"module\": {", f);
	kv_bool(f, "", "loaded", drv->loaded);
	kv_str(f, ", ", "version", drv->loaded ? drv->version : NULL);
	kv_str(f, ", ", "driver", drv->loaded && drv->registered ? drv->name : NULL);
	kv_bool(f, ", ", "replace_kmem", drv->loaded ? drv->replace : -1);
	kv_bool(f, ", ", "exclusive", drv->loaded ? drv->exclusive : -1);
	fputs("},\n  \"devices\": [", f);
	for (i = 0; i < n; i++) {
		if (sysfs_daxdev_read(names[i], &d)) {
			sysfs_daxdev_free(&d);
			continue;
		}
		fputs(first ? "\n    " : ",\n    ", f);
		device_json(f, &d);
		sysfs_daxdev_free(&d);
		first = 0;
	}
	fputs(first ? "]\n}\n" : "\n  ]\n}\n", f);
}
