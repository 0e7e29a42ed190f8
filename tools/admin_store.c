/*
 * Creating, checking and opening the store.
 *
 * Access model: the database, its -wal and its -shm file are owned by
 * root, group G (the auth workers' group), mode M (0660 with a group,
 * 0600 without).  SQLite needs write access to all three even to read in
 * WAL mode, and it removes -wal and -shm when the last connection closes,
 * so the directory must also let G create them again: a directory made by
 * init is root:G 2770 (setgid, so that files made by a worker get G too).
 * This tool keeps -wal and -shm in place when it closes (persistent WAL).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "import_parse.h"
#include "mu_error.h"

static const char *const side_files[] = { "-wal", "-shm" };
#define NSIDE (sizeof(side_files) / sizeof(side_files[0]))

static void
side_path(char *out, size_t outsz, const char *db, const char *suffix)
{
	if ((size_t)snprintf(out, outsz, "%s%s", db, suffix) >= outsz)
		errx(1, "%s: path too long", db);
}

struct mu_store *
admin_store(struct admin *a)
{
	return admin_store_flags(a, 0);
}

struct mu_store *
admin_store_flags(struct admin *a, unsigned flags)
{
	int r;

	if (a->st == NULL) {
		r = mu_store_open_flags(a->cfg.db, a->cfg.busy_timeout,
					&a->log, flags, &a->st);
		if (r == MU_E_NOMEM)
			errx(1, "out of memory");
		if (r != MU_OK)
			exit(1);	/* the core said why */
	}
	return a->st;
}

void
admin_die(struct admin *a, int r, const char *what)
{
	if (r == MU_E_NOMEM)
		errx(1, "%s: out of memory", what);
	if (r == MU_E_STORE && a->st != NULL && mu_store_errmsg(a->st)[0])
		errx(1, "%s: %s", what, mu_store_errmsg(a->st));
	errx(1, "%s: %s", what, mu_strerror(r));
}

void
admin_failed(struct admin *a, int r, const char *what)
{
	if (r == MU_E_STORE)
		exit(1);	/* the operation said why, in one line */
	admin_die(a, r, what);
}

void
admin_check_user(struct admin *a, int r, const char *name, const char *what)
{
	if (r == MU_OK)
		return;
	if (r == MU_E_NOUSER)
		errx(1, "no such user: %s", name);
	if (r == MU_E_EXISTS)
		errx(1, "user %s already exists", name);
	if (r == MU_E_NODOMAIN && strchr(name, '@') != NULL)
		errx(1, "no such domain: %s (add it first with \"domain "
		     "add\")", strchr(name, '@') + 1);
	admin_failed(a, r, what);
}

void
admin_close(struct admin *a)
{
	if (a->st == NULL)
		return;
	/* Best effort: what was deleted must not linger in the store's
	 * journal either (SQLite: the WAL is copied in and emptied; a
	 * login in progress is no failure).  An unfinished transaction is
	 * rolled back by the close. */
	mu_store_flush(a->st);
	mu_store_close(a->st);
	a->st = NULL;
}

/* ---- init ------------------------------------------------------------ */

struct init_plan {
	const char *db;
	char dir[PATH_MAX];
	gid_t gid;		/* (gid_t)-1: leave the group alone */
	mode_t mode;		/* of the files */
	mode_t dir_mode;	/* of a directory init creates */
	bool made_dir, made_db;
};

static gid_t
group_arg(const char *name)
{
	struct group *gr;
	char *end;
	unsigned long n;

	if ((gr = getgrnam(name)) != NULL)
		return gr->gr_gid;
	errno = 0;
	n = strtoul(name, &end, 10);
	if (*name < '0' || *name > '9' || *end != '\0' || errno != 0 ||
	    n >= (gid_t)-1)
		errx(1, "--group: no such group \"%s\"", name);
	return (gid_t)n;
}

/* Octal mode for the store files: owner read-write, group optional,
 * nothing for others (the file holds password hashes). */
static mode_t
mode_arg(const char *s)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(s, &end, 8);
	if (*s < '0' || *s > '7' || *end != '\0' || errno != 0 ||
	    (n & ~0660UL) != 0 || (n & 0600) != 0600)
		errx(1, "--mode: \"%s\" is not an octal mode between 0600 "
		     "and 0660 (owner rw-, others ---)", s);
	return (mode_t)n;
}

/* Set group and mode on an open file; errno on failure. */
static int
set_access(int fd, const struct init_plan *p, mode_t mode)
{
	if (p->gid != (gid_t)-1 && fchown(fd, (uid_t)-1, p->gid) != 0)
		return -1;
	return fchmod(fd, mode);
}

/* Create path (exclusively unless excl is false) with the plan's access. */
static const char *
create_file(const struct init_plan *p, const char *path, bool excl)
{
	static char msg[PATH_MAX + 64];
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC |
		  O_NOCTTY | (excl ? O_EXCL : 0), 0600);
	if (fd < 0 || set_access(fd, p, p->mode) != 0) {
		snprintf(msg, sizeof(msg), "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return msg;
	}
	close(fd);
	return NULL;
}

/* Refuse an existing store, or stale side files a new store could
 * mistake for its own. */
static void
refuse_existing(const char *db)
{
	static const char *const suffixes[] = { "", "-wal", "-shm",
						"-journal" };
	char path[PATH_MAX];
	struct stat sb;
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		side_path(path, sizeof(path), db, suffixes[i]);
		if (lstat(path, &sb) == 0)
			errx(1, "%s: already exists; refusing to overwrite",
			     path);
		if (errno != ENOENT)
			err(1, "%s", path);
	}
}

/* Make the parent directory if it is missing (one level). */
static const char *
make_dir(struct init_plan *p)
{
	static char msg[PATH_MAX + 64];
	struct stat sb;
	int fd;

	if (stat(p->dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			snprintf(msg, sizeof(msg), "%s: not a directory",
				 p->dir);
			return msg;
		}
		if (p->gid != (gid_t)-1 && (sb.st_gid != p->gid ||
					    (sb.st_mode & 0030) != 0030))
			warnx("warning: %s is not writable by the group; "
			      "processes of that group cannot recreate the "
			      "-wal and -shm files", p->dir);
		return NULL;
	}
	if (errno != ENOENT || mkdir(p->dir, 0700) != 0) {
		snprintf(msg, sizeof(msg), "%s: %s", p->dir, strerror(errno));
		return msg;
	}
	p->made_dir = true;
	fd = open(p->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || set_access(fd, p, p->dir_mode) != 0) {
		snprintf(msg, sizeof(msg), "%s: %s", p->dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return msg;
	}
	close(fd);
	return NULL;
}

/* Create the database file with its final access from the start, then
 * the schema and the first audit row (who made it) in one transaction. */
static const char *
make_db(struct init_plan *p, struct admin *a, const char *detail)
{
	static char msg[PATH_MAX + 256];
	struct mu_store *st = NULL;
	const char *why;
	int r;

	if ((why = create_file(p, p->db, true)) != NULL)
		return why;
	p->made_db = true;
	if (mu_store_open_flags(p->db, a->cfg.busy_timeout, &a->log,
				MU_OPEN_EMPTY, &st) != MU_OK)
		return "cannot open the new file";
	if ((r = mu_store_create(st, detail)) != MU_OK) {
		snprintf(msg, sizeof(msg), "schema: %s", r == MU_E_STORE ?
			 mu_store_errmsg(st) : mu_strerror(r));
		why = msg;
	}
	mu_store_close(st);
	return why;
}

/* Undo a failed init: only what it made. */
static void
undo_init(const struct init_plan *p)
{
	char path[PATH_MAX];
	size_t i;

	if (p->made_db) {
		for (i = 0; i < NSIDE; i++) {
			side_path(path, sizeof(path), p->db, side_files[i]);
			(void)unlink(path);
		}
		side_path(path, sizeof(path), p->db, "-journal");
		(void)unlink(path);
		(void)unlink(p->db);
	}
	if (p->made_dir)
		(void)rmdir(p->dir);
}

/* init of a PostgreSQL database: the schema in one transaction, in a
 * database the administrator made (see sql/postgresql/roles.sql). */
static void
init_pg(struct admin *a)
{
	char name[256];
	int r;

	mu_store_describe(a->cfg.db, name, sizeof(name));
	if (a->o.group != NULL || a->o.mode != NULL)
		errx(EXIT_USAGE, "init: --group and --mode are for an SQLite "
		     "file; %s is a PostgreSQL database", name);
	(void)admin_store_flags(a, MU_OPEN_EMPTY);
	r = mu_store_create(a->st, NULL);
	if (r == MU_E_EXISTS)
		errx(1, "init: %s already holds a mailuser store; refusing "
		     "to overwrite", name);
	if (r != MU_OK)
		admin_die(a, r, "init");
}

void
cmd_init(struct admin *a, int argc, char **argv)
{
	struct init_plan p;
	char path[PATH_MAX], tmp[PATH_MAX], detail[PATH_MAX];
	const char *why = NULL;
	struct mu_store *st = NULL;
	size_t i;

	(void)argc;
	(void)argv;
	if (!mu_store_is_sqlite(a->cfg.db)) {
		init_pg(a);
		return;
	}
	memset(&p, 0, sizeof(p));
	p.db = a->cfg.db;
	p.gid = a->o.group != NULL ? group_arg(a->o.group) : (gid_t)-1;
	p.mode = a->o.mode != NULL ? mode_arg(a->o.mode) :
	    a->o.group != NULL ? 0660 : 0600;
	p.dir_mode = 0700;
	if (p.mode & 0040)
		p.dir_mode |= 02050;	/* setgid: new files get the group */
	if (p.mode & 0020)
		p.dir_mode |= 0020;
	snprintf(tmp, sizeof(tmp), "%s", p.db);
	snprintf(p.dir, sizeof(p.dir), "%s", dirname(tmp));
	snprintf(detail, sizeof(detail), "mode %04o%s%s", (unsigned)p.mode,
		 a->o.group != NULL ? ", group " : "",
		 a->o.group != NULL ? a->o.group : "");

	refuse_existing(p.db);
	if ((why = make_dir(&p)) == NULL &&
	    (why = make_db(&p, a, detail)) == NULL) {
		/* The module must accept what we made, by its own rules. */
		if (mu_store_open_flags(p.db, a->cfg.busy_timeout, &a->log,
					MU_OPEN_TRUSTED, &st) != MU_OK)
			why = "the new store does not open";
		mu_store_close(st);
	}
	/* Closing removed -wal and -shm: make them again, for workers that
	 * cannot create files in the directory. */
	for (i = 0; why == NULL && i < NSIDE; i++) {
		side_path(path, sizeof(path), p.db, side_files[i]);
		why = create_file(&p, path, false);
	}
	if (why != NULL) {
		undo_init(&p);
		errx(1, "init: %s", why);
	}
}

/* ---- check ----------------------------------------------------------- */

static int problems;

static void __attribute__((format(printf, 1, 2)))
finding(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void __attribute__((format(printf, 1, 2)))
problem(const char *fmt, ...)
{
	va_list ap;

	problems++;
	fputs("PROBLEM: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Worth knowing, but no problem of the store: the verdict stays. */
static void __attribute__((format(printf, 1, 2)))
warning(const char *fmt, ...)
{
	va_list ap;

	fputs("WARNING: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static const char *
user_name(uid_t uid, char *buf, size_t bufsz)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, bufsz, "%s", pw->pw_name);
	else
		snprintf(buf, bufsz, "%lu", (unsigned long)uid);
	return buf;
}

static const char *
group_name(gid_t gid, char *buf, size_t bufsz)
{
	struct group *gr = getgrgid(gid);

	if (gr != NULL)
		snprintf(buf, bufsz, "%s", gr->gr_name);
	else
		snprintf(buf, bufsz, "%lu", (unsigned long)gid);
	return buf;
}

static void
show_access(const char *what, const char *path, const struct stat *sb)
{
	char u[64], g[64];

	finding("%-10s %s: mode %04o, owner %s, group %s", what, path,
		(unsigned)(sb->st_mode & 07777),
		user_name(sb->st_uid, u, sizeof(u)),
		group_name(sb->st_gid, g, sizeof(g)));
}

/* Files: the database, its side files and the directory.  Returns false
 * when the database file itself is unusable. */
static bool
check_files(const char *dbpath)
{
	char path[PATH_MAX], tmp[PATH_MAX], dir[PATH_MAX];
	struct stat db, sb;
	bool missing = false;
	int before = problems;
	size_t i;

	finding("%-10s %s", "store", dbpath);
	if (lstat(dbpath, &db) != 0) {
		problem("%s: %s", dbpath, strerror(errno));
		return false;
	}
	if (S_ISLNK(db.st_mode)) {
		problem("%s: is a symbolic link (the module refuses it)",
			dbpath);
		return false;
	}
	if (!S_ISREG(db.st_mode)) {
		problem("%s: not a regular file", dbpath);
		return false;
	}
	show_access("file", dbpath, &db);
	if (db.st_uid != 0)
		problem("%s: not owned by root", dbpath);
	if ((db.st_mode & 07777 & ~0660) != 0)
		problem("%s: mode %04o gives access beyond 0660 (it holds "
			"password hashes)", dbpath,
			(unsigned)(db.st_mode & 07777));

	for (i = 0; i < NSIDE; i++) {
		side_path(path, sizeof(path), dbpath, side_files[i]);
		if (lstat(path, &sb) != 0) {
			finding("%-10s %s: missing (made again on first use)",
				side_files[i] + 1, path);
			missing = true;
			continue;
		}
		show_access(side_files[i] + 1, path, &sb);
		if (!S_ISREG(sb.st_mode))
			problem("%s: not a regular file", path);
		else if (sb.st_uid != db.st_uid || sb.st_gid != db.st_gid ||
			 (sb.st_mode & 07777) != (db.st_mode & 07777))
			problem("%s: owner, group or mode differs from the "
				"database's", path);
	}

	snprintf(tmp, sizeof(tmp), "%s", dbpath);
	snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	if (stat(dir, &sb) != 0) {
		problem("%s: %s", dir, strerror(errno));
		return true;
	}
	show_access("directory", dir, &sb);
	if ((sb.st_mode & S_IWOTH) && !(sb.st_mode & S_ISVTX))
		problem("%s: writable by others", dir);
	if ((db.st_mode & 0060) != 0 && missing &&
	    (sb.st_gid != db.st_gid || (sb.st_mode & 0030) != 0030))
		problem("%s: the store's group cannot create the missing "
			"-wal/-shm files here (needs group write and search)",
			dir);
	/* the module's own rules, as a process of root would apply them;
	 * they overlap the checks above, whose findings are enough */
	if (problems == before &&
	    mu_store_trust(dbpath, 0, tmp, sizeof(tmp)) != MU_OK)
		problem("the module refuses this store: %s", tmp);
	return true;
}

static void
integrity_finding(void *arg, bool bad, const char *what, const char *text)
{
	(void)arg;
	if (bad)
		problem("%s", text);
	else
		finding("%-10s %s", what, text);
}

/* What the store says of itself: identity, contents, the backend's
 * checks (SQLite: journal, integrity, references). */
static void
check_store(struct mu_store *st)
{
	int64_t ver, domains, users;

	if (mu_store_version(st, &ver) == MU_OK) {
		finding("%-10s 0x%08x (mailuser store)", "app id",
			MU_APPLICATION_ID);
		finding("%-10s %lld (this tool knows %d)", "schema",
			(long long)ver, MU_SCHEMA_VERSION);
	}
	if (mu_store_counts(st, &domains, &users) == MU_OK)
		finding("%-10s %lld domains, %lld users", "contents",
			(long long)domains, (long long)users);
	else
		problem("cannot count the users: %s", mu_store_errmsg(st));
	if (mu_store_integrity(st, integrity_finding, NULL) != MU_OK)
		problem("the store's own checks failed: %s",
			mu_store_errmsg(st));
}

/* The users whose hash can never verify (a method this system's
 * libxcrypt does not know or has disabled, a cut-off or corrupt hash, a
 * locked one), who cannot log in until an administrator sets a new
 * password, and those whose hash is of a weak method (DES, bigcrypt,
 * BSDi, NT), which import refuses without --allow-weak: one warning
 * line each, by name. */
struct hash_counts {
	long long dead, weak;
};

static int
check_hash(void *arg, const char *name, const char *hash)
{
	struct hash_counts *c = arg;
	char esc[MU_NAME_MAX * 4 + 1];
	const char *why, *m;

	if ((why = import_hash_problem(hash)) != NULL) {
		warning("user %s: its hash can never verify: %s",
			mu_escape(esc, sizeof(esc), name), why);
		c->dead++;
	} else if ((m = import_hash_weak(hash, &why)) != NULL) {
		warning("user %s: weak hash (%s: %s)",
			mu_escape(esc, sizeof(esc), name), m, why);
		c->weak++;
	}
	return 0;
}

static void
check_hashes(struct mu_store *st)
{
	struct hash_counts c = { 0, 0 };

	if (mu_store_each_hash(st, check_hash, &c) != MU_OK) {
		problem("cannot read the users' hashes: %s",
			mu_store_errmsg(st));
		return;
	}
	if (c.dead + c.weak == 0)
		finding("%-10s ok", "hashes");
	else
		finding("%-10s %lld that can never verify, %lld weak (a new "
			"password with \"user passwd\" mends both)", "hashes",
			c.dead, c.weak);
}

void
cmd_check(struct admin *a, int argc, char **argv)
{
	char name[256];
	int r;

	(void)argc;
	(void)argv;
	mu_store_describe(a->cfg.db, name, sizeof(name));
	if (!mu_store_is_sqlite(a->cfg.db))
		finding("%-10s %s (PostgreSQL)", "store", name);
	if (!mu_store_is_sqlite(a->cfg.db) || check_files(a->cfg.db)) {
		/* mu_store_open logs why it refuses (schema, id, ...) */
		r = mu_store_open(a->cfg.db, a->cfg.busy_timeout, &a->log,
				  &a->st);
		if (r != MU_OK) {
			problem("the store does not open: %s",
				mu_strerror(r));
		} else {
			check_store(a->st);
			check_hashes(a->st);
		}
	}
	if (problems == 0) {
		printf("verdict: OK\n");
		return;
	}
	printf("verdict: PROBLEMS (%d)\n", problems);
	if (fflush(stdout) != 0)
		err(1, "standard output");
	exit(1);
}
