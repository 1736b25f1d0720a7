// SPDX-License-Identifier: GPL-2.0
/*
 * procfs.c: who uses a dax device's character device.  Unbinding
 * device_dax (or fsdev_dax) pulls the memory from under a process that has
 * /dev/daxR.N mapped, so attach looks for one first (and refuses without
 * --force).  An open file descriptor is found by the
 * device number of /proc/PID/fd/N; a mapping (which outlives the close of
 * its descriptor) by /proc/PID/maps, by path or by inode.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "procfs.h"
#include "sysfs.h"

/*
 * does /proc/PID/maps map the device?  By path, or by the inode of
 * /dev/NAME: the path shown can differ (another name of the node, a
 * " (deleted)" suffix).
 */
static bool maps_device(const char *pid, const struct daxdev_info *d, const struct stat *node)
{
	char path[300], line[512], want[80], *p;
	unsigned long ino;
	unsigned int ma, mi;
	bool hit = false;
	FILE *f;

	bprintf(path, sizeof(path), "/proc/%s/maps", pid);
	bprintf(want, sizeof(want), "/dev/%s", d->name);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!hit && fgets(line, sizeof(line), f)) {
		p = strchr(line, '/');
		if (p) {
			p[strcspn(p, "\n")] = '\0';
			if (!strcmp(p, want))
				hit = true;
		}
		if (!hit && node &&
		    sscanf(line, "%*s %*s %*s %x:%x %lu", &ma, &mi, &ino) == 3 &&
		    ino && ino == node->st_ino && makedev(ma, mi) == node->st_dev)
			hit = true;
	}
	fclose(f);
	return hit;
}

/* procfs_daxdev_user() - see procfs.h; the first user found is enough */
int procfs_daxdev_user(const struct daxdev_info *d, pid_t *pid, char *comm, size_t len)
{
	char path[PATH_MAX], fdpath[PATH_MAX + 300];
	struct stat st, node;
	struct dirent *p, *f;
	bool have_node;
	DIR *proc, *fds;
	int found = 0;

	if (!d->major && !d->minor)
		return 0;
	bprintf(path, sizeof(path), "/dev/%s", d->name);
	have_node = stat(path, &node) == 0;
	proc = opendir("/proc");
	if (!proc)
		return 0;
	while (!found && (p = readdir(proc))) {
		if (!isdigit((unsigned char)p->d_name[0]) || atoi(p->d_name) == getpid())
			continue;
		bprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		while (fds && !found && (f = readdir(fds))) {
			if (f->d_name[0] == '.')
				continue;
			bprintf(fdpath, sizeof(fdpath), "%s/%s", path, f->d_name);
			if (stat(fdpath, &st) == 0 && S_ISCHR(st.st_mode) &&
			    st.st_rdev == makedev(d->major, d->minor))
				found = 1;
		}
		if (fds)
			closedir(fds);
		if (!found && maps_device(p->d_name, d, have_node ? &node : NULL))
			found = 1;
		if (found) {
			*pid = (pid_t)atoi(p->d_name);
			bprintf(path, sizeof(path), "/proc/%s/comm", p->d_name);
			if (sysfs_read(path, comm, len))
				bprintf(comm, len, "?");
		}
	}
	closedir(proc);
	return found;
}
