/*
 * monotime: print CLOCK_MONOTONIC in microseconds (busybox's date has no
 * sub-second format); the benchmark (t-bench.sh) times shell loops and
 * daxctl runs with it.
 */
#include <stdio.h>
#include <time.h>

int main(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	printf("%lld\n", (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000);
	return 0;
}
