/*
 * What the guest tools share: errno names, one sysfs read, a random number
 * generator. Each tool is one .c file, built on its own and statically by
 * tests/harness/initramfs.sh (which rebuilds them all when this changes).
 */
#ifndef DKA_TOOLS_H
#define DKA_TOOLS_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* The errno's name ("EBUSY"), the kernel-internal ones included; NULL if unknown. */
static inline const char *errname(int e)
{
	switch (e) {
#define E(x) case x: return #x
	E(EPERM); E(ENOENT); E(ESRCH); E(EINTR); E(EIO); E(ENXIO); E(E2BIG);
	E(ENOEXEC); E(EBADF); E(ECHILD); E(EAGAIN); E(ENOMEM); E(EACCES);
	E(EFAULT); E(EBUSY); E(EEXIST); E(EXDEV); E(ENODEV); E(ENOTDIR);
	E(EISDIR); E(EINVAL); E(ENFILE); E(EMFILE); E(ENOTTY); E(EFBIG);
	E(ENOSPC); E(ESPIPE); E(EROFS); E(ERANGE); E(EDEADLK); E(ENAMETOOLONG);
	E(ENOSYS); E(ENOTEMPTY); E(ENODATA); E(ETIME); E(EOVERFLOW);
	E(EOPNOTSUPP); E(EADDRINUSE); E(EADDRNOTAVAIL); E(ETIMEDOUT);
	E(EALREADY); E(EINPROGRESS); E(ECANCELED); E(EHWPOISON);
#undef E
	case 512: return "ERESTARTSYS";
	case 513: return "ERESTARTNOINTR";
	case 516: return "EPROBE_DEFER";
	}
	return NULL;
}

/*
 * One open + read of a sysfs file into @buf (@len bytes with the NUL),
 * cut at the first newline: 0, or -1 when it cannot be read or is empty.
 */
static inline int sysfs_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* A 64-bit LCG: reproducible from its seed, which the tool sets in rng. */
static unsigned long long rng __attribute__((unused));

static inline unsigned int rnd(unsigned int n)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned int)(rng >> 33) % n;
}

#endif /* DKA_TOOLS_H */
