/*
 * sysfs-write [-n] [-i] [-t] [-f N] PATH STRING
 *
 * One open(O_WRONLY) and one write(2) of exactly STRING's bytes to PATH, so
 * tests see the errno a sysfs store returns. Escapes in STRING: \n, \t, \\.
 * By default STRING is written as given; -n appends a newline.
 * -i: SIGUSR1 interrupts the write (a handler without SA_RESTART), so a
 * test can signal a stuck write and see the errno it returns.
 * -t: also print how long the write(2) took, e.g. "OK 12.345 ms".
 * -f N: fail the N-th fault-injection point of this task in the write(2)
 * (an allocation, with failslab and fail_page_alloc configured in debugfs):
 * PATH is opened first, then /proc/thread-self/fail-nth, N written to it,
 * the one write(2) done, and fail-nth read back (0: the fault was injected;
 * N minus the points the write passed: it was not) and reset to 0 before
 * anything else. The result line ends with "injected" or "not-injected",
 * e.g. "ENOMEM injected", "OK not-injected". Needs a kernel with
 * CONFIG_FAULT_INJECTION: without /proc/thread-self/fail-nth it says so on
 * stderr and exits 2.
 * Prints "OK" (exit 0) or the errno name, e.g. "EBUSY" (exit 1). A short
 * write prints "SHORT n/len" (exit 1).
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools.h"

static void on_usr1(int sig)
{
	(void)sig;
}

/* The end of the result line with -f: " injected" or " not-injected". */
static const char *fail_mark(int injected)
{
	return injected < 0 ? "" : injected ? " injected" : " not-injected";
}

#define FAIL_NTH "/proc/thread-self/fail-nth"

/* After the write(2): 1 if the fault was injected, 0 if not, -1 on error. */
static int fail_nth_done(int nth)
{
	char num[32];
	ssize_t r;
	int injected;

	r = pread(nth, num, sizeof(num) - 1, 0);
	if (r <= 0) {
		perror("sysfs-write: read " FAIL_NTH);
		return -1;
	}
	num[r] = 0;
	injected = strtoul(num, NULL, 10) == 0;
	/* Disarm before any other call: nothing else may fail. */
	if (!injected && pwrite(nth, "0", 1, 0) != 1) {
		perror("sysfs-write: reset " FAIL_NTH);
		return -1;
	}
	return injected;
}

int main(int argc, char **argv)
{
	int newline = 0, timed = 0, fd, i = 1, nth = -1, injected = -1;
	const char *fail_n = NULL;
	struct timespec t0, t1;
	double ms = 0;
	size_t len = 0;
	ssize_t n = 0;
	const char *s;
	char *buf;

	for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "-n") == 0) {
			newline = 1;
		} else if (strcmp(argv[i], "-t") == 0) {
			timed = 1;
		} else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc &&
			   strtoul(argv[i + 1], NULL, 10) > 0) {
			fail_n = argv[++i];
		} else if (strcmp(argv[i], "-i") == 0) {
			struct sigaction sa;

			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = on_usr1;
			sigaction(SIGUSR1, &sa, NULL);
		} else {
			break;
		}
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: sysfs-write [-n] [-i] [-t] [-f N] PATH STRING\n");
		return 2;
	}
	s = argv[i + 1];
	buf = malloc(strlen(s) + 2);
	if (!buf)
		return 2;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			buf[len++] = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
		} else {
			buf[len++] = *s;
		}
	}
	if (newline)
		buf[len++] = '\n';

	fd = open(argv[i], O_WRONLY);
	if (fd < 0)
		goto err;
	if (fail_n) {
		nth = open(FAIL_NTH, O_RDWR);
		if (nth < 0) {
			fprintf(stderr, "sysfs-write: -f: cannot open %s: %s (a kernel without CONFIG_FAULT_INJECTION?)\n",
				FAIL_NTH, strerror(errno));
			return 2;
		}
		if (write(nth, fail_n, strlen(fail_n)) != (ssize_t)strlen(fail_n)) {
			fprintf(stderr, "sysfs-write: -f: cannot write %s to %s: %s\n",
				fail_n, FAIL_NTH, strerror(errno));
			return 2;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = write(fd, buf, len);
	{
		int e = errno;

		if (fail_n) {
			injected = fail_nth_done(nth);
			if (injected < 0)
				return 2;
		}
		errno = e;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (n < 0)
		goto err;
	if (close(fd) < 0)
		goto err;
	if ((size_t)n != len) {
		printf("SHORT %zd/%zu%s\n", n, len, fail_mark(injected));
		return 1;
	}
	if (timed)
		printf("OK %.3f ms%s\n", ms, fail_mark(injected));
	else
		printf("OK%s\n", fail_mark(injected));
	return 0;
err:
	{
		int e = errno;
		const char *name = errname(e);

		if (name)
			printf("%s", name);
		else
			printf("E%d", e);
		if (timed && n < 0)
			printf(" %.3f ms", ms);
		printf("%s\n", fail_mark(injected));
	}
	return 1;
}
