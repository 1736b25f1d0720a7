/*
 * sysfs-write [-n] [-i] [-t] PATH STRING
 *
 * One open(O_WRONLY) and one write(2) of exactly STRING's bytes to PATH, so
 * tests see the errno a sysfs store returns. Escapes in STRING: \n, \t, \\.
 * By default STRING is written as given; -n appends a newline.
 * -i: SIGUSR1 interrupts the write (a handler without SA_RESTART), so a
 * test can signal a stuck write and see the errno it returns.
 * -t: also print how long the write(2) took, e.g. "OK 12.345 ms".
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

int main(int argc, char **argv)
{
	int newline = 0, timed = 0, fd, i = 1;
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
		fprintf(stderr, "usage: sysfs-write [-n] [-i] [-t] PATH STRING\n");
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
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = write(fd, buf, len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	if (n < 0)
		goto err;
	if (close(fd) < 0)
		goto err;
	if ((size_t)n != len) {
		printf("SHORT %zd/%zu\n", n, len);
		return 1;
	}
	if (timed)
		printf("OK %.3f ms\n", ms);
	else
		printf("OK\n");
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
		printf("\n");
	}
	return 1;
}
