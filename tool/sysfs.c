// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs.c: reading and writing the dax bus and the memory blocks.
 *
 * A device's ranges are its mappingN/{start,end} (5.10+, dynamic
 * regions), else resource + size.  Its memory blocks are those that its
 * ranges cover, each range aligned inward to the memory block size as the
 * kmem drivers do: memoryN covers [N * bs, (N + 1) * bs).  An online
 * block's valid_zones names the zone it is in (its first word).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"

bool sysfs_dax_bus_present(void)
{
	struct stat st;

	return stat(DAX_DEVICES, &st) == 0 && S_ISDIR(st.st_mode);
}

/* sysfs_read() - the file's content without the trailing newline. */
int sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}

/* sysfs_write() - one write(2) of VAL, as a sysfs store sees it. */
int sysfs_write(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		rc = -errno;
	else if ((size_t)n != len)
		rc = -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

static int read_u64(const char *path, int base, uint64_t *v)
{
	char buf[64], *end;
	int rc = sysfs_read(path, buf, sizeof(buf));

	if (rc)
		return rc;
	errno = 0;
	*v = strtoull(buf, &end, base);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

static int read_int(const char *path, int *v)
{
	char buf[32], *end;
	long l;
	int rc = sysfs_read(path, buf, sizeof(buf));

	if (rc)
		return rc;
	l = strtol(buf, &end, 10);
	if (end == buf)
		return -EINVAL;
	*v = (int)l;
	return 0;
}

uint64_t sysfs_memory_block_size(void)
{
	uint64_t bs;

	/* hex without 0x */
	if (read_u64(MEMORY_DIR "/block_size_bytes", 16, &bs) || !bs)
		return 0;
	return bs;
}

/* basename of a symlink's target, "" when it does not exist */
static void link_base(const char *path, char *out, size_t len)
{
	char buf[PATH_MAX], *b;
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	out[0] = '\0';
	if (n < 0)
		return;
	buf[n] = '\0';
	b = strrchr(buf, '/');
	bprintf(out, len, "%s", b ? b + 1 : buf);
}

static int cmp_range(const void *a, const void *b)
{
	const struct mem_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static int read_ranges(const char *dir, struct daxdev_info *d)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *dh;
	uint64_t s, t;
	struct mem_range *r;

	dh = opendir(dir);
	if (!dh)
		return -errno;
	while ((e = readdir(dh))) {
		if (strncmp(e->d_name, "mapping", 7) || !isdigit((unsigned char)e->d_name[7]))
			continue;
		bprintf(path, sizeof(path), "%s/%s/start", dir, e->d_name);
		if (read_u64(path, 0, &s))
			continue;
		bprintf(path, sizeof(path), "%s/%s/end", dir, e->d_name);
		if (read_u64(path, 0, &t))
			continue;
		r = realloc(d->ranges, (d->nr_ranges + 1) * sizeof(*r));
		if (!r) {
			closedir(dh);
			return -ENOMEM;
		}
		d->ranges = r;
		r[d->nr_ranges].start = s;
		r[d->nr_ranges].end = t;
		d->nr_ranges++;
	}
	closedir(dh);
	if (!d->nr_ranges && d->size) {
		/* a static region's device: one range, no mappingN */
		bprintf(path, sizeof(path), "%s/resource", dir);
		if (read_u64(path, 0, &s) == 0) {
			d->ranges = malloc(sizeof(*d->ranges));
			if (!d->ranges)
				return -ENOMEM;
			d->ranges[0].start = s;
			d->ranges[0].end = s + d->size - 1;
			d->nr_ranges = 1;
		}
	}
	qsort(d->ranges, d->nr_ranges, sizeof(*d->ranges), cmp_range);
	return 0;
}

/* ATTR of memory block B (memoryB/ATTR); 0 or -errno (-ENOENT: no such block) */
static int read_block_attr(uint64_t b, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];

	bprintf(path, sizeof(path), MEMORY_DIR "/memory%llu/%s", (unsigned long long)b, attr);
	return sysfs_read(path, buf, len);
}

/*
 * read_blocks() - count D's memory blocks and collect their zones.  Aligned
 * inward because the kmem drivers add only whole blocks: a partial block at
 * either end of a range is never memory of the device.
 */
static void read_blocks(struct daxdev_info *d)
{
	uint64_t bs = sysfs_memory_block_size(), first, last, b;
	char buf[128];
	int i, z;

	if (!bs)
		return;
	for (i = 0; i < d->nr_ranges; i++) {
		first = (d->ranges[i].start + bs - 1) / bs;
		last = (d->ranges[i].end + 1) / bs;	/* exclusive */
		for (b = first; b < last; b++) {
			d->blocks_total++;
			if (read_block_attr(b, "state", buf, sizeof(buf)))
				continue;
			d->blocks_present++;
			if (strcmp(buf, "online"))
				continue;
			d->blocks_online++;
			/* an online block's valid_zones is the one zone it is in */
			if (read_block_attr(b, "valid_zones", buf, sizeof(buf)))
				continue;
			buf[strcspn(buf, " ")] = '\0';
			for (z = 0; z < d->nr_zones; z++)
				if (!strcmp(d->zones[z], buf))
					break;
			if (z == d->nr_zones && z < DAXDEV_ZONES_MAX) {
				buf[sizeof(d->zones[0]) - 1] = '\0';	/* "Movable", "Normal", ... */
				strcpy(d->zones[d->nr_zones++], buf);
			}
		}
	}
}

/* sysfs_daxdev_read() - fill D from sysfs.  Return: 0, -ENOENT (no device). */
int sysfs_daxdev_read(const char *name, struct daxdev_info *d)
{
	char dir[PATH_MAX], path[PATH_MAX + 32], buf[64];
	struct stat st;
	int rc;

	memset(d, 0, sizeof(*d));
	d->drift = -1;
	d->target_node = -1;
	d->numa_node = -1;
	/* a name from the command line must not lead out of DAX_DEVICES ("../") */
	if (strchr(name, '/') || !*name || name[0] == '.')
		return -ENOENT;
	bprintf(d->name, sizeof(d->name), "%s", name);
	bprintf(dir, sizeof(dir), DAX_DEVICES "/%s", name);
	if (stat(dir, &st))
		return -errno;
	if (sscanf(name, "dax%d.", &d->region) != 1)
		d->region = -1;
	bprintf(path, sizeof(path), "%s/driver", dir);
	link_base(path, d->driver, sizeof(d->driver));
	if (d->driver[0]) {
		bprintf(path, sizeof(path), DAX_DRIVERS "/%s/module", d->driver);
		link_base(path, d->drv_module, sizeof(d->drv_module));
		d->ours = !strcmp(d->drv_module, DKA_MODULE);
	}
	bprintf(path, sizeof(path), "%s/state", dir);
	if (sysfs_read(path, d->state, sizeof(d->state)) == 0)
		d->has_state = true;
	bprintf(path, sizeof(path), "%s/drift", dir);
	if (read_int(path, &d->drift))
		d->drift = -1;
	bprintf(path, sizeof(path), "%s/size", dir);
	read_u64(path, 10, &d->size);
	bprintf(path, sizeof(path), "%s/target_node", dir);
	read_int(path, &d->target_node);
	bprintf(path, sizeof(path), "%s/numa_node", dir);
	read_int(path, &d->numa_node);
	bprintf(path, sizeof(path), "%s/dev", dir);
	if (sysfs_read(path, buf, sizeof(buf)) == 0 &&
	    sscanf(buf, "%u:%u", &d->major, &d->minor) != 2)
		d->major = d->minor = 0;
	rc = read_ranges(dir, d);
	if (rc)
		return rc;
	read_blocks(d);
	return 0;
}

void sysfs_daxdev_free(struct daxdev_info *d)
{
	free(d->ranges);
	d->ranges = NULL;
	d->nr_ranges = 0;
}

/* natural order: dax0.2 before dax0.10, dax1.0 after both */
static int cmp_dax(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int r1, n1, r2, n2;

	if (sscanf(x, "dax%d.%d", &r1, &n1) == 2 && sscanf(y, "dax%d.%d", &r2, &n2) == 2 &&
	    (r1 != r2 || n1 != n2))
		return r1 != r2 ? (r1 < r2 ? -1 : 1) : (n1 < n2 ? -1 : 1);
	return strcmp(x, y);
}

int sysfs_daxdev_names(char ***names)
{
	struct dirent *e;
	char **v = NULL, **nv;
	int n = 0;
	DIR *dh;

	*names = NULL;
	dh = opendir(DAX_DEVICES);
	if (!dh)
		return -errno;
	while ((e = readdir(dh))) {
		if (e->d_name[0] == '.')
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			goto nomem;
		v = nv;
		v[n] = strdup(e->d_name);
		if (!v[n])
			goto nomem;
		n++;
	}
	closedir(dh);
	if (n)
		qsort(v, n, sizeof(*v), cmp_dax);
	*names = v;
	return n;
nomem:
	closedir(dh);
	sysfs_names_free(v, n);
	return -ENOMEM;
}

void sysfs_names_free(char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * sysfs_our_driver_read() - is our module loaded, and under which driver name?
 * Normally "dax_kmem_atomic"; "kmem" with replace_kmem=Y.  The in-kernel
 * kmem is "kmem" too: the driver's module link tells them apart.
 */
void sysfs_our_driver_read(struct our_driver *drv)
{
	char buf[32], path[PATH_MAX];
	struct stat st;

	memset(drv, 0, sizeof(*drv));
	drv->exclusive = -1;
	drv->loaded = stat("/sys/module/" DKA_MODULE, &st) == 0;
	bprintf(drv->name, sizeof(drv->name), "%s", DKA_MODULE);
	if (!drv->loaded)
		return;
	if (sysfs_read("/sys/module/" DKA_MODULE "/parameters/replace_kmem", buf, sizeof(buf)) == 0)
		drv->replace = buf[0] == 'Y' || buf[0] == '1';
	if (sysfs_read("/sys/module/" DKA_MODULE "/parameters/exclusive", buf, sizeof(buf)) == 0)
		drv->exclusive = buf[0] == 'Y' || buf[0] == '1';
	sysfs_read("/sys/module/" DKA_MODULE "/version", drv->version, sizeof(drv->version));
	if (drv->replace)
		bprintf(drv->name, sizeof(drv->name), "kmem");
	bprintf(path, sizeof(path), DAX_DRIVERS "/%s/module", drv->name);
	link_base(path, buf, sizeof(buf));
	drv->registered = !strcmp(buf, DKA_MODULE);
}

bool sysfs_driver_present(const char *drv)
{
	char path[PATH_MAX];
	struct stat st;

	bprintf(path, sizeof(path), DAX_DRIVERS "/%s", drv);
	return stat(path, &st) == 0;
}

/* sysfs_driver_write() - write DEV to /sys/bus/dax/drivers/DRV/ATTR */
int sysfs_driver_write(const char *drv, const char *attr, const char *dev)
{
	char path[PATH_MAX];

	bprintf(path, sizeof(path), DAX_DRIVERS "/%s/%s", drv, attr);
	return sysfs_write(path, dev);
}

/*
 * sysfs_driver_label() - D's driver as list and the messages name it, in
 * BUF: "kmem (in-kernel)", "kmem (dax_kmem_atomic)", "device_dax", "-".
 * The in-kernel kmem and ours in replace mode share the name "kmem": the
 * label says whose it is, since that decides what is safe.  Return: BUF.
 */
const char *sysfs_driver_label(const struct daxdev_info *d, char *buf, size_t len)
{
	if (!d->driver[0])
		bprintf(buf, len, "-");
	else if (!strcmp(d->driver, "kmem"))
		bprintf(buf, len, "kmem (%s)", d->ours ? DKA_MODULE : "in-kernel");
	else
		bprintf(buf, len, "%s", d->driver);
	return buf;
}
