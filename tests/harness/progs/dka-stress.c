/*
 * dka-stress: the guest side of t-stress.sh (tests only).
 *
 * dka-stress run -t SECONDS [-w N] [-p MS] [-s SEED] [-D DRIVER]
 *                [-c bind|module] [-k CYCLES] -d DEV [-d DEV...] [-r FILE...]
 *                [-x CMD...]
 *	For SECONDS: N writers (fork()ed) write random targets to the first
 *	DEV's state, one writer each to the state of every further DEV,
 *	one racer per FILE (a memoryN/state) writes random per-block states,
 *	one loop per CMD runs it (/bin/sh -c, output discarded).  With -c,
 *	a cycler makes CYCLES unbind/bind (bind) or rmmod/modprobe (module)
 *	cycles of every DEV spread over the time (-p: each writer waits up to
 *	MS ms after a write, so that racers find moments without a transition); it pauses the others, writes
 *	unplugged, then either unbinds and binds again (policy offline or
 *	online_movable) or races the unbind against an in-flight write of
 *	unplugged (the device bound with its memory offline, so that either
 *	order must end clean), and resumes them.
 *	Prints one "@@DKA-INFO stress GROUP: ops=N OK=n EBUSY=n ..." line per
 *	group and "STRESS ops=N cycles=N unexpected=N"; a writer errno other
 *	than EBUSY (ENOENT/ENODEV while a cycler runs), a failed cycle or a
 *	watchdog timeout counts as unexpected; exit 0 only when there is none.
 *
 * dka-stress fill NODE LEAVE_MB READYFILE [PIN_MB]
 *	Binds itself to NODE (set_mempolicy MPOL_BIND), faults in anonymous
 *	memory until the node's MemFree is below LEAVE_MB, writes "N" (MiB
 *	taken) to READYFILE, waits for SIGTERM, then checks every page still
 *	holds what was written: "FILL node=N mb=N pinned=N bad=N"; exit 0 when
 *	bad=0.  With PIN_MB, 1 MiB of every PIN_MB is vmsplice()d into a pipe
 *	that nobody reads: those pages stay referenced, so they cannot migrate
 *	(until SIGTERM closes the pipes).
 *
 * dka-stress mmap DEVFILE BYTES
 *	Maps BYTES of a device-dax character device, writes a pattern to every
 *	page and reads it back: "MMAP OK" or what failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools.h"

#define MAXE 160
#define MAXP 64
enum { G_MAIN, G_OTHER, G_RACER, G_CMD, G_CYCLE, NG };
static const char *const gname[NG] = {
	"writers(main device)", "writers(other devices)",
	"racers(memoryN/state)", "commands", "cycler",
};

struct shared {
	volatile int stop;
	volatile int pause;
	int active;
	long cnt[NG][MAXE];
	long wcnt[2][4][MAXE];	/* writers: by target word */
	long unexpected;
	long cycles;
	long races;
	char last_unexpected[1024];
};
static struct shared *sh;

static void note_unexpected(const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&sh->unexpected, 1, __ATOMIC_SEQ_CST);
	va_start(ap, fmt);
	vsnprintf(sh->last_unexpected, sizeof(sh->last_unexpected), fmt, ap);
	va_end(ap);
}

/* One open + write of @s to @path: 0 or the errno. */
static int wr(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), e = 0;

	if (fd < 0)
		return errno;
	if (write(fd, s, strlen(s)) < 0)
		e = errno;
	close(fd);
	return e;
}

static void count(int g, int e)
{
	__atomic_fetch_add(&sh->cnt[g][e < MAXE ? e : MAXE - 1], 1, __ATOMIC_RELAXED);
}

/* Take part in the pause protocol: 1 while we may run an operation. */
static int enter(void)
{
	for (;;) {
		if (sh->stop)
			return 0;
		__atomic_fetch_add(&sh->active, 1, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&sh->pause, __ATOMIC_SEQ_CST))
			return 1;
		__atomic_fetch_sub(&sh->active, 1, __ATOMIC_SEQ_CST);
		usleep(10000);
	}
}

static void leave(void)
{
	__atomic_fetch_sub(&sh->active, 1, __ATOMIC_SEQ_CST);
}

static int cycling;
static int think_ms;

static const char *const words[4] = {
	"unplugged", "online_movable", "online", "online_kernel",
};

static void writer(int g, const char *dev)
{
	/* unplugged 4/9, online_movable 3/9, online 1/9, online_kernel 1/9 */
	static const int t[] = { 0, 0, 0, 0, 1, 1, 1, 2, 3 };
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/state", dev);
	while (enter()) {
		int k = t[rnd(sizeof(t) / sizeof(t[0]))];
		const char *w = words[k];
		int e = wr(path, w);

		leave();
		count(g, e);
		__atomic_fetch_add(&sh->wcnt[g][k][e < MAXE ? e : MAXE - 1], 1,
				   __ATOMIC_RELAXED);
		if (e && e != EBUSY && !(cycling && (e == ENOENT || e == ENODEV)))
			note_unexpected("write %s to %s: %s", w, path,
					errname(e) ? errname(e) : "?");
		if (think_ms)
			usleep(rnd(think_ms * 1000));
		else if (e)
			usleep(rnd(5000));
	}
}

static void racer(const char *file)
{
	static const char *const t[] = {
		"offline", "offline", "offline", "offline", "online_movable",
		"online_movable", "online_movable", "online", "online_kernel",
	};

	while (enter()) {
		int e = wr(file, t[rnd(sizeof(t) / sizeof(t[0]))]);

		leave();
		count(G_RACER, e);
		/* an absent block (device unplugged): no need to spin */
		usleep(e == ENOENT ? 20000 : 1000 + rnd(4000));
	}
}

static void command(const char *cmd)
{
	while (enter()) {
		pid_t p = fork();
		int st = 0;

		if (p == 0) {
			int fd = open("/dev/null", O_RDWR);

			dup2(fd, 1);
			dup2(fd, 2);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		if (p > 0)
			waitpid(p, &st, 0);
		leave();
		count(G_CMD, WIFEXITED(st) ? WEXITSTATUS(st) : 128);
		usleep(20000);
	}
}

/* ---- the cycler ---- */

static const char *drv = "dax_kmem_atomic";
static char *devs[MAXP];
static int ndevs;

static int run(const char *a, const char *b, const char *c)
{
	pid_t p = fork();
	int st = 0;

	if (p == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 1);
		execlp(a, a, b, c, (char *)NULL);
		_exit(127);
	}
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int drv_write(const char *attr, const char *dev)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/dax/drivers/%s/%s", drv, attr);
	return wr(path, dev);
}

static int bound(const char *dev)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/state", dev);
	return access(path, F_OK) == 0;
}

static int unplug(const char *dev)
{
	char path[256];
	int i, e = 0;

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/state", dev);
	for (i = 0; i < 30; i++) {
		e = wr(path, "unplugged");
		if (!e)
			return 0;
		usleep(100000);
	}
	note_unexpected("cycler: %s stays online: %s", dev, errname(e) ? errname(e) : "?");
	return e;
}

static const char *policy_file = "/sys/devices/system/memory/auto_online_blocks";

/* Bind every device again (after unbind or modprobe); 0 when all are ours. */
static int rebind(int module)
{
	int i, bad = 0;

	for (i = 0; i < ndevs; i++) {
		if (module)
			drv_write("new_id", devs[i]);
		if (!bound(devs[i]))
			drv_write("bind", devs[i]);
		if (!bound(devs[i])) {
			note_unexpected("cycler: %s could not be bound again", devs[i]);
			bad = 1;
		}
	}
	return bad;
}

static void detach(int module)
{
	if (module) {
		int rc = run("rmmod", drv, NULL);

		count(G_CYCLE, rc ? EBUSY : 0);
	} else {
		count(G_CYCLE, drv_write("unbind", devs[0]));
	}
}

static void attach(int module, const char *excl)
{
	if (module) {
		char arg[32];

		snprintf(arg, sizeof(arg), "exclusive=%s", excl);
		if (run("modprobe", drv, arg))
			note_unexpected("cycler: modprobe %s %s failed", drv, arg);
	}
}

static void cycle(int module)
{
	char policy[64] = "offline", excl[8] = "Y";
	int i, e;

	__atomic_store_n(&sh->pause, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&sh->active, __ATOMIC_SEQ_CST))
		usleep(5000);
	sysfs_read(policy_file, policy, sizeof(policy));
	sysfs_read("/sys/module/dax_kmem_atomic/parameters/exclusive", excl, sizeof(excl));
	for (i = 0; i < ndevs; i++)
		if (unplug(devs[i]))
			goto out;

	if (rnd(2)) {
		/* plain: everything unplugged, detach, attach with a policy */
		if (module) {
			detach(1);
		} else {
			for (i = 0; i < ndevs; i++)
				count(G_CYCLE, drv_write("unbind", devs[i]));
		}
		attach(module, excl);
		wr(policy_file, rnd(2) ? "online_movable" : "offline");
		rebind(module);
	} else {
		/*
		 * race: the first device bound with its memory offline; a
		 * write of unplugged in flight while it is unbound (or the
		 * module removed).  Either order leaves nothing behind.
		 */
		pid_t p;
		int st;

		__atomic_fetch_add(&sh->races, 1, __ATOMIC_SEQ_CST);
		count(G_CYCLE, drv_write("unbind", devs[0]));
		wr(policy_file, "offline");
		if (rebind(0))
			goto out;
		p = fork();
		if (p == 0) {
			char path[256];

			snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/state", devs[0]);
			usleep(rnd(30000));
			e = wr(path, "unplugged");
			count(G_CYCLE, e);
			if (e && e != ENOENT && e != ENODEV)
				note_unexpected("cycler: in-flight unplug of %s: %s", devs[0],
						errname(e) ? errname(e) : "?");
			_exit(0);
		}
		usleep(rnd(30000));
		detach(module);		/* rmmod: the others go with it */
		waitpid(p, &st, 0);
		attach(module, excl);
		wr(policy_file, rnd(2) ? "online_movable" : "offline");
		rebind(module);
	}
	__atomic_fetch_add(&sh->cycles, 1, __ATOMIC_SEQ_CST);
out:
	wr(policy_file, policy);
	__atomic_store_n(&sh->pause, 0, __ATOMIC_SEQ_CST);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static pid_t kids[MAXP * 2];
static int nkids;

static void spawn(int g, const char *arg)
{
	pid_t p = fork();

	if (p == 0) {
		rng ^= (unsigned long long)getpid() << 17;
		rnd(1);
		if (g == G_MAIN || g == G_OTHER)
			writer(g, arg);
		else if (g == G_RACER)
			racer(arg);
		else
			command(arg);
		_exit(0);
	}
	if (p > 0 && nkids < MAXP * 2)
		kids[nkids++] = p;
}

static int do_run(int argc, char **argv)
{
	char *racers[MAXP], *cmds[MAXP];
	int nracers = 0, ncmds = 0, writers = 3, cycles = 0, module = 0;
	int i, o, g, e;
	double secs = 10, t0, end;
	long total = 0;

	rng = 1;
	while ((o = getopt(argc, argv, "t:w:p:s:D:c:k:d:r:x:")) != -1) {
		switch (o) {
		case 't': secs = atof(optarg); break;
		case 'w': writers = atoi(optarg); break;
		case 'p': think_ms = atoi(optarg); break;
		case 's': rng = strtoull(optarg, NULL, 0); break;
		case 'D': drv = optarg; break;
		case 'c': cycling = 1; module = !strcmp(optarg, "module"); break;
		case 'k': cycles = atoi(optarg); break;
		case 'd': if (ndevs < MAXP) devs[ndevs++] = optarg; break;
		case 'r': if (nracers < MAXP) racers[nracers++] = optarg; break;
		case 'x': if (ncmds < MAXP) cmds[ncmds++] = optarg; break;
		default: return 2;
		}
	}
	if (!ndevs) {
		fprintf(stderr, "dka-stress run: -d DEV needed\n");
		return 2;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 2;
	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < writers; i++)
		spawn(G_MAIN, devs[0]);
	for (i = 1; i < ndevs; i++)
		spawn(G_OTHER, devs[i]);
	for (i = 0; i < nracers; i++)
		spawn(G_RACER, racers[i]);
	for (i = 0; i < ncmds; i++)
		spawn(G_CMD, cmds[i]);

	t0 = now();
	end = t0 + secs;
	for (i = 0; i < cycles; i++) {
		double at = t0 + secs * (i + 1) / (cycles + 1);

		while (now() < at)
			usleep(20000);
		cycle(module);
	}
	while (now() < end)
		usleep(50000);
	sh->stop = 1;
	/* watchdog: an operation still running 300 s later is stuck */
	for (i = 0; i < nkids; i++) {
		int st;

		while (waitpid(kids[i], &st, WNOHANG) == 0) {
			if (now() > end + 300) {
				note_unexpected("watchdog: pid %d still running 300 s after the end",
						(int)kids[i]);
				kill(kids[i], SIGKILL);
			}
			usleep(50000);
		}
	}

	for (g = 0; g < NG; g++) {
		char line[1024];
		long n = 0;
		int len;

		len = snprintf(line, sizeof(line), "@@DKA-INFO stress %s:", gname[g]);
		for (e = 0; e < MAXE; e++)
			n += sh->cnt[g][e];
		if (!n)
			continue;
		total += n;
		len += snprintf(line + len, sizeof(line) - len, " ops=%ld", n);
		for (e = 0; e < MAXE && len < (int)sizeof(line) - 40; e++) {
			if (!sh->cnt[g][e])
				continue;
			if (g == G_CMD)
				len += snprintf(line + len, sizeof(line) - len, " exit%d=%ld",
						e, sh->cnt[g][e]);
			else if (!e)
				len += snprintf(line + len, sizeof(line) - len, " OK=%ld",
						sh->cnt[g][e]);
			else if (errname(e))
				len += snprintf(line + len, sizeof(line) - len, " %s=%ld",
						errname(e), sh->cnt[g][e]);
			else
				len += snprintf(line + len, sizeof(line) - len, " E%d=%ld",
						e, sh->cnt[g][e]);
		}
		puts(line);
		if (g > G_OTHER)
			continue;
		len = snprintf(line, sizeof(line), "@@DKA-INFO stress %s by target:", gname[g]);
		for (o = 0; o < 4; o++) {
			const char *sep = ":";

			len += snprintf(line + len, sizeof(line) - len, " %s", words[o]);
			for (e = 0; e < MAXE && len < (int)sizeof(line) - 40; e++) {
				if (!sh->wcnt[g][o][e])
					continue;
				len += snprintf(line + len, sizeof(line) - len, "%s%s=%ld", sep,
						!e ? "OK" : errname(e) ? errname(e) : "E?",
						sh->wcnt[g][o][e]);
				sep = ",";
			}
		}
		puts(line);
	}
	printf("STRESS ops=%ld cycles=%ld races=%ld unexpected=%ld%s%s\n", total,
	       sh->cycles, sh->races, sh->unexpected, sh->unexpected ? " last: " : "", sh->last_unexpected);
	return sh->unexpected ? 1 : 0;
}

/* ---- fill ---- */

static volatile sig_atomic_t got_term;
static void on_term(int s)
{
	(void)s;
	got_term = 1;
}

static long node_free_mb(int node)
{
	char path[96], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "MemFree:");

		if (p) {
			kb = atol(p + 8);
			break;
		}
	}
	fclose(f);
	return kb < 0 ? -1 : kb / 1024;
}

#define CHUNK (16UL << 20)

static int do_fill(int argc, char **argv)
{
	unsigned long mask, i, bad = 0, pg = 4096;
	char *chunks[4096];
	int node, leave_mb, n = 0, c;
	FILE *f;

	int pin_mb = 0, npipes = 0, pipes[4096];

	if (argc != 4 && argc != 5)
		return 2;
	node = atoi(argv[1]);
	leave_mb = atoi(argv[2]);
	if (argc == 5)
		pin_mb = atoi(argv[4]);
	signal(SIGTERM, on_term);
	mask = 1UL << node;
	if (syscall(SYS_set_mempolicy, 2 /* MPOL_BIND */, &mask, sizeof(mask) * 8)) {
		perror("set_mempolicy");
		return 2;
	}
	while (n < 4096 && node_free_mb(node) > leave_mb + 16) {
		char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (p == MAP_FAILED)
			break;
		for (i = 0; i < CHUNK; i += pg)
			*(unsigned long *)(p + i) = (unsigned long)n << 32 | i;
		if (pin_mb > 0 && (n * (CHUNK >> 20)) % pin_mb == 0 && npipes < 4094) {
			struct iovec iov = { .iov_base = p, .iov_len = 1 << 20 };
			int pp[2];

			if (pipe(pp) == 0) {
				fcntl(pp[1], F_SETPIPE_SZ, 1 << 20);
				if (vmsplice(pp[1], &iov, 1, 0) > 0) {
					pipes[npipes++] = pp[0];
					pipes[npipes++] = pp[1];
				} else {
					close(pp[0]);
					close(pp[1]);
				}
			}
		}
		chunks[n++] = p;
	}
	f = fopen(argv[3], "w");
	if (f) {
		fprintf(f, "%lu\n", n * (CHUNK >> 20));
		fclose(f);
	}
	while (!got_term)
		pause();
	for (c = 0; c < npipes; c++)
		close(pipes[c]);
	for (c = 0; c < n; c++)
		for (i = 0; i < CHUNK; i += pg)
			bad += *(unsigned long *)(chunks[c] + i) != ((unsigned long)c << 32 | i);
	printf("FILL node=%d mb=%lu pinned=%d bad=%lu\n", node, n * (CHUNK >> 20),
	       npipes / 2, bad);
	return bad ? 1 : 0;
}

/* ---- mmap ---- */

static int do_mmap(int argc, char **argv)
{
	unsigned long len, i, bad = 0;
	char *p;
	int fd;

	if (argc != 3)
		return 2;
	len = strtoul(argv[2], NULL, 0);
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		printf("MMAP open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		printf("MMAP mmap: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < len; i += 4096)
		*(unsigned long *)(p + i) = i ^ 0x5a5a5a5aUL;
	for (i = 0; i < len; i += 4096)
		bad += *(unsigned long *)(p + i) != (i ^ 0x5a5a5a5aUL);
	munmap(p, len);
	close(fd);
	if (bad) {
		printf("MMAP %lu pages read back wrong\n", bad);
		return 1;
	}
	printf("MMAP OK\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "run"))
		return do_run(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "fill"))
		return do_fill(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "mmap"))
		return do_mmap(argc - 1, argv + 1);
	fprintf(stderr, "usage: dka-stress run|fill|mmap ... (see the source)\n");
	return 2;
}
