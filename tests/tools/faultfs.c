/*
 * faultfs: a passthrough FUSE file system that fails writes on demand,
 * for the fault tests (tests/integration/faults.sh).  Test use only: it
 * runs as root, single-threaded, and checks nothing beyond what the
 * backing directory's own permissions check.
 *
 *   faultfs BACKING MOUNTPOINT [FUSE options, e.g. -s -f]
 *
 * MOUNTPOINT shows the files of the directory BACKING.  Two switches,
 * files in BACKING, looked at on every request (so they act at once,
 * made from outside the mount or through it):
 *
 *   .fail      every write, fsync, fdatasync, truncate (also O_TRUNC),
 *              fallocate and creation of a file answers EIO, except for
 *              files whose name ends in "-shm": a disk that refuses
 *              writes.  SQLite's -shm file is shared memory (mapped, and
 *              on a real disk its pages stay in the page cache, never
 *              waiting for the device), so it is spared: SQLite can open
 *              the database and read it, and fails when it writes the
 *              database or its WAL.
 *   .fail-all  the same for every file, the -shm file included.
 *
 * Reads, metadata and directory operations always work.
 *
 * Locks: no lock operation is given, so the kernel keeps POSIX (fcntl)
 * and flock locks itself, between the processes of this machine, which
 * is what SQLite needs.  The kernel's writeback cache is turned off:
 * every write(2) reaches this program (and fails) at once.  Shared
 * mappings (SQLite's -shm file) work through the page cache.
 * Run in the foreground (-f), it exits, unmounting, when the process
 * that started it dies: a killed test leaves no mount behind.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

static int base = -1;	/* the backing directory */

/* The path relative to the backing directory ("/" is "."). */
static const char *
rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path != '\0' ? path : ".";
}

static int
exists(const char *name)
{
	return faccessat(base, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Does a write to path fail now? */
static int
failing(const char *path)
{
	size_t n = path != NULL ? strlen(path) : 0;

	if (exists(".fail-all"))
		return 1;
	return exists(".fail") &&
	    !(n >= 4 && strcmp(path + n - 4, "-shm") == 0);
}

static int
ret(int r)
{
	return r < 0 ? -errno : 0;
}

static void *
ff_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
	cfg->use_ino = 1;
	/* no caching of names or attributes: the backing directory may
	 * change from outside too (the switches) */
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	return NULL;
}

static int
ff_getattr(const char *path, struct stat *sb, struct fuse_file_info *fi)
{
	if (fi != NULL)
		return ret(fstat((int)fi->fh, sb));
	return ret(fstatat(base, rel(path), sb, AT_SYMLINK_NOFOLLOW));
}

static int
ff_access(const char *path, int mode)
{
	return ret(faccessat(base, rel(path), mode, AT_SYMLINK_NOFOLLOW));
}

static int
ff_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n;

	if (size == 0)
		return -EINVAL;
	n = readlinkat(base, rel(path), buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int
ff_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
	   struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dirent *de;
	DIR *d;
	int fd;

	(void)off;
	(void)fi;
	(void)flags;
	fd = openat(base, rel(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat sb;

		memset(&sb, 0, sizeof(sb));
		sb.st_ino = de->d_ino;
		sb.st_mode = (mode_t)de->d_type << 12;
		if (fill(buf, de->d_name, &sb, 0, 0) != 0)
			break;
	}
	closedir(d);
	return 0;
}

static int
ff_mkdir(const char *path, mode_t mode)
{
	return ret(mkdirat(base, rel(path), mode));
}

static int
ff_rmdir(const char *path)
{
	return ret(unlinkat(base, rel(path), AT_REMOVEDIR));
}

static int
ff_unlink(const char *path)
{
	return ret(unlinkat(base, rel(path), 0));
}

static int
ff_rename(const char *from, const char *to, unsigned int flags)
{
	return ret(renameat2(base, rel(from), base, rel(to), flags));
}

static int
ff_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (fi != NULL)
		return ret(fchmod((int)fi->fh, mode));
	return ret(fchmodat(base, rel(path), mode, 0));
}

static int
ff_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	if (fi != NULL)
		return ret(fchown((int)fi->fh, uid, gid));
	return ret(fchownat(base, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW));
}

static int
ff_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	int fd, r;

	if (failing(path))
		return -EIO;
	if (fi != NULL)
		return ret(ftruncate((int)fi->fh, size));
	fd = openat(base, rel(path), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	r = ret(ftruncate(fd, size));
	close(fd);
	return r;
}

static int
ff_utimens(const char *path, const struct timespec tv[2],
	   struct fuse_file_info *fi)
{
	if (fi != NULL)
		return ret(futimens((int)fi->fh, tv));
	return ret(utimensat(base, rel(path), tv, AT_SYMLINK_NOFOLLOW));
}

static int
ff_open(const char *path, struct fuse_file_info *fi)
{
	int fd;

	if ((fi->flags & O_TRUNC) && failing(path))
		return -EIO;
	fd = openat(base, rel(path), (fi->flags | O_CLOEXEC) & ~O_CREAT);
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int
ff_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int fd;

	if (failing(path))
		return -EIO;
	fd = openat(base, rel(path), fi->flags | O_CREAT | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	fi->fh = (uint64_t)fd;
	return 0;
}

static int
ff_read(const char *path, char *buf, size_t size, off_t off,
	struct fuse_file_info *fi)
{
	ssize_t n;

	(void)path;
	n = pread((int)fi->fh, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int
ff_write(const char *path, const char *buf, size_t size, off_t off,
	 struct fuse_file_info *fi)
{
	ssize_t n;

	if (failing(path))
		return -EIO;
	n = pwrite((int)fi->fh, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int
ff_statfs(const char *path, struct statvfs *sv)
{
	int fd, r;

	fd = openat(base, rel(path), O_RDONLY | O_CLOEXEC | O_PATH);
	if (fd < 0)
		return -errno;
	r = ret(fstatvfs(fd, sv));
	close(fd);
	return r;
}

static int
ff_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

static int
ff_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	if (failing(path))
		return -EIO;
	return ret(datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh));
}

static int
ff_fallocate(const char *path, int mode, off_t off, off_t len,
	     struct fuse_file_info *fi)
{
	if (failing(path))
		return -EIO;
	return ret(fallocate((int)fi->fh, mode, off, len));
}

static const struct fuse_operations ops = {
	.init = ff_init,
	.getattr = ff_getattr,
	.access = ff_access,
	.readlink = ff_readlink,
	.readdir = ff_readdir,
	.mkdir = ff_mkdir,
	.rmdir = ff_rmdir,
	.unlink = ff_unlink,
	.rename = ff_rename,
	.chmod = ff_chmod,
	.chown = ff_chown,
	.truncate = ff_truncate,
	.utimens = ff_utimens,
	.open = ff_open,
	.create = ff_create,
	.read = ff_read,
	.write = ff_write,
	.statfs = ff_statfs,
	.release = ff_release,
	.fsync = ff_fsync,
	.fallocate = ff_fallocate,
};

int
main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: faultfs BACKING MOUNTPOINT "
			"[FUSE options]\n");
		return 2;
	}
	base = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (base < 0) {
		fprintf(stderr, "faultfs: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* the modes the kernel passes have the caller's umask applied */
	umask(0);
	/* a test killed before its clean-up leaves no mount behind (with
	 * -f only: the child of fuse_daemonize does not keep this) */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() == 1) {
		fprintf(stderr, "faultfs: the process that started it is gone\n");
		return 1;
	}
	argv[1] = argv[0];
	return fuse_main(argc - 1, argv + 1, &ops, NULL);
}
