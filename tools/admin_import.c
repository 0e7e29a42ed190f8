/*
 * mailuser-admin import --format pwdfile|dovecot|csv FILE|-
 *
 * The file is read one line at a time into a fixed buffer, every line is
 * checked and inserted inside one BEGIN IMMEDIATE transaction with
 * statements prepared once, so that memory stays flat whatever the size
 * of the file.  Each bad line is reported on standard error as
 * "FILE:LINE: [NAME: ]reason" and every line is checked even after a bad
 * one.  Then:
 *   - without --continue, any bad line rolls everything back (exit 1);
 *   - with --continue, the good lines are committed (exit 3 when lines
 *     were skipped, so that a script notices);
 *   - with --dry-run, everything is rolled back in any case.
 *
 * Duplicates need no set of names in memory: the users added by this
 * import are exactly those with an id above the largest id at the start
 * (ids grow by one), so a name that is found already is a duplicate in
 * the file when its id is above that mark, and an existing user
 * otherwise.
 *
 * Hashes are kept as they are (crypt strings that mu_hash_method_name
 * knows; Dovecot's {CRYPT}, {SHA512-CRYPT}, {SHA256-CRYPT}, {BLF-CRYPT}
 * and {MD5-CRYPT} prefixes are removed).  A csv file with a password
 * column gets new hashes of the configured method, after the same
 * checks as "user passwd" unless --force.  Passwords are never printed,
 * and the line buffer and stdio's buffer are wiped.
 */
#include <err.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "admin.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_secret.h"
#include "mu_username.h"

#define LINE_MAX_IMPORT 4096	/* bytes of one line, without its end */
#define MAX_FIELDS 16		/* fields looked at; more are counted */
#define EXIT_PARTIAL 3		/* --continue skipped bad lines */
#define PLACEHOLDER "*"		/* hash of a row that is never committed */

enum fmt { F_PWDFILE, F_DOVECOT, F_CSV };

struct importer {
	struct admin *a;
	sqlite3 *db;
	const char *label;	/* file name for messages */
	enum fmt fmt;
	bool csv_password;	/* the csv file has a password column */
	bool header_seen;
	char bare[MU_DOMAIN_MAX + 1];	/* domain for names without '@' */
	int64_t base_id;	/* largest user id before the import */
	int64_t now;
	sqlite3_stmt *find_user, *find_domain, *add_domain, *add_user;
	sqlite3_stmt *audit;	/* rows like the summary row's */
	int64_t summary;	/* id of the "import" audit row */
	char dom[MU_DOMAIN_MAX + 1];	/* last domain looked up */
	int64_t dom_id;
	unsigned long line, added, domains, bad;
	char buf[LINE_MAX_IMPORT + 2];
};

static enum fmt
format_arg(const char *s)
{
	if (s == NULL)
		errx(EXIT_USAGE, "import: --format is required (pwdfile, "
		     "dovecot or csv)");
	if (strcmp(s, "pwdfile") == 0)
		return F_PWDFILE;
	if (strcmp(s, "dovecot") == 0)
		return F_DOVECOT;
	if (strcmp(s, "csv") == 0)
		return F_CSV;
	errx(EXIT_USAGE, "import: --format must be pwdfile, dovecot or csv");
}

/* ---- reading ---------------------------------------------------------- */

enum rec { REC_OK, REC_EOF, REC_LONG, REC_NUL };

/* Read one line (LF or CRLF ended; the last one may lack its end) into
 * buf (LINE_MAX_IMPORT + 2 bytes) without its end.  A longer line is
 * read to its end and refused. */
static enum rec
read_line(FILE *f, char *buf, size_t *len)
{
	size_t n = 0;
	bool nul = false, toolong = false;
	int c;

	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (c == '\0')
			nul = true;
		if (n < LINE_MAX_IMPORT + 1)
			buf[n++] = (char)c;
		else
			toolong = true;
	}
	if (c == EOF && n == 0)
		return REC_EOF;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > LINE_MAX_IMPORT)
		toolong = true;
	buf[n] = '\0';
	*len = n;
	if (toolong)
		return REC_LONG;
	return nul ? REC_NUL : REC_OK;
}

/* Split line at every sep, in place.  Returns the number of fields; the
 * first MAX_FIELDS are stored. */
static int
split(char *line, char sep, char **fields)
{
	char *p = line, *q;
	int n = 0;

	for (;;) {
		if (n < MAX_FIELDS)
			fields[n] = p;
		n++;
		if ((q = strchr(p, sep)) == NULL)
			return n;
		*q = '\0';
		p = q + 1;
	}
}

/* Split an RFC 4180 record in place: fields separated by commas, a
 * field in double quotes may hold commas and doubled quotes.  A record
 * is one line (no field here can hold a line break).  Returns the number
 * of fields, or -1 with *why. */
static int
split_csv(char *line, char **fields, const char **why)
{
	char *r = line, *w, *start, end;
	int n = 0;

	for (;;) {
		start = w = r;
		if (*r == '"') {
			for (r++;; r++) {
				if (*r == '\0') {
					*why = "unterminated quoted field "
					       "(a field cannot span lines)";
					return -1;
				}
				if (*r == '"' && r[1] != '"')
					break;
				if (*r == '"')
					r++;
				*w++ = *r;
			}
			r++;
			if (*r != ',' && *r != '\0') {
				*why = "text after a closing quote";
				return -1;
			}
		} else {
			for (; *r != ',' && *r != '\0'; r++, w++) {
				if (*r == '"') {
					*why = "quote in an unquoted field";
					return -1;
				}
				*w = *r;
			}
		}
		end = *r;
		*w = '\0';
		if (n < MAX_FIELDS)
			fields[n] = start;
		n++;
		if (end == '\0')
			return n;
		r++;
	}
}

/* ---- checking --------------------------------------------------------- */

/* Dovecot schemes whose values are crypt(3) strings, and the prefix the
 * string must then have ("" for any). */
static const struct {
	const char *scheme, *prefix;
} schemes[] = {
	{ "CRYPT", "" }, { "SHA512-CRYPT", "$6$" }, { "SHA256-CRYPT", "$5$" },
	{ "BLF-CRYPT", "$2" }, { "MD5-CRYPT", "$1$" },
};

/* Lengths of the last '$' field (the hash proper) of the common
 * methods: a cut-off hash, a frequent mistake when moving users, never
 * verifies. */
static const struct {
	const char *prefix;
	size_t len;
} tails[] = {
	{ "$y$", 43 }, { "$gy$", 43 }, { "$7$", 43 }, { "$6$", 86 },
	{ "$5$", 43 }, { "$1$", 22 }, { "$2a$", 53 }, { "$2b$", 53 },
	{ "$2x$", 53 }, { "$2y$", 53 },
};

/* Why a stored hash string is refused, or NULL. */
static const char *
hash_problem(const char *h)
{
	const unsigned char *p;
	const char *tail;
	size_t i;

	if (*h == '\0')
		return "empty hash";
	if (*h == '!' || *h == '*')
		return "locked or disabled hash (starts with '!' or '*')";
	if (strlen(h) >= MU_HASH_MAX)
		return "hash too long";
	for (p = (const unsigned char *)h; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == ':')
			return "bad character in the hash";
	if (strcmp(mu_hash_method_name(h), "invalid") == 0)
		return "unknown hash method (not a crypt(3) string)";
	tail = strrchr(h, '$');
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++)
		if (strncmp(h, tails[i].prefix, strlen(tails[i].prefix)) == 0 &&
		    (tail == NULL || strlen(tail + 1) != tails[i].len ||
		     strspn(tail + 1, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz") != tails[i].len))
			return "malformed hash (wrong length for its method)";
	return NULL;
}

/* The crypt string of a Dovecot password field, or NULL with *why. */
static const char *
dovecot_hash(char *field, const char **why)
{
	static char msg[160];
	char *close;
	size_t i;

	if (*field != '{')
		return field;	/* passwd-file's default scheme: CRYPT */
	if ((close = strchr(field, '}')) == NULL) {
		*why = "unterminated {SCHEME} prefix";
		return NULL;
	}
	*close = '\0';
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strcasecmp(field + 1, schemes[i].scheme) == 0)
			break;
	if (i == sizeof(schemes) / sizeof(schemes[0])) {
		snprintf(msg, sizeof(msg), "unsupported scheme {%.40s}: only "
			 "crypt(3) schemes can be imported", field + 1);
		for (i = 0; msg[i] != '\0'; i++)	/* printable */
			if ((unsigned char)msg[i] < 0x20 ||
			    (unsigned char)msg[i] >= 0x7f)
				msg[i] = '?';
		*why = msg;
		return NULL;
	}
	if (strncmp(close + 1, schemes[i].prefix,
		    strlen(schemes[i].prefix)) != 0) {
		snprintf(msg, sizeof(msg), "{%s} scheme with a hash of another "
			 "method", schemes[i].scheme);
		*why = msg;
		return NULL;
	}
	return close + 1;
}

/* ---- the store -------------------------------------------------------- */

static void
reset(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

/* Id of a canonical domain (cached for runs of one domain), -1 if none. */
static int64_t
domain_id(struct importer *im, const char *d)
{
	if (im->dom_id >= 0 && strcmp(d, im->dom) == 0)
		return im->dom_id;
	db_bind_text(im->find_domain, 1, d);
	im->dom_id = db_step(im->find_domain) ?
	    sqlite3_column_int64(im->find_domain, 0) : -1;
	reset(im->find_domain);
	snprintf(im->dom, sizeof(im->dom), "%s", d);
	return im->dom_id;
}

static int64_t
add_domain(struct importer *im, const char *d)
{
	db_bind_text(im->add_domain, 1, d);
	db_bind_int(im->add_domain, 2, im->now);
	while (db_step(im->add_domain))
		;
	reset(im->add_domain);
	im->dom_id = sqlite3_last_insert_rowid(im->db);
	snprintf(im->dom, sizeof(im->dom), "%s", d);
	audit_copy(im->audit, im->summary, "domain add", d, "import");
	im->domains++;
	return im->dom_id;
}

/* Id of a user, or -1. */
static int64_t
find_user(struct importer *im, const char *name)
{
	int64_t id = -1;

	db_bind_text(im->find_user, 1, name);
	if (db_step(im->find_user))
		id = sqlite3_column_int64(im->find_user, 0);
	reset(im->find_user);
	return id;
}

static void
add_user(struct importer *im, const char *name, int64_t did,
	 const char *hash)
{
	db_bind_text(im->add_user, 1, name);
	db_bind_int(im->add_user, 2, did);
	db_bind_text(im->add_user, 3, hash);
	db_bind_int(im->add_user, 4, im->now);
	while (db_step(im->add_user))
		;
	reset(im->add_user);
	audit_copy(im->audit, im->summary, "user add", name, "import");
	im->added++;
}

/* ---- one line --------------------------------------------------------- */

static void
bad_line(struct importer *im, const char *name, const char *why)
{
	char esc[MU_NAME_MAX * 4 + 16];

	im->bad++;
	if (name != NULL)
		warnx("%s:%lu: %s: %s", im->label, im->line,
		      mu_escape(esc, sizeof(esc), name), why);
	else
		warnx("%s:%lu: %s", im->label, im->line, why);
}

/* The header of a csv file: "address,hash" or "address,password". */
static void
csv_header(struct importer *im, char **f, int n)
{
	if (n == 2 && strcasecmp(f[0], "address") == 0 &&
	    (strcasecmp(f[1], "hash") == 0 ||
	     strcasecmp(f[1], "password") == 0)) {
		im->csv_password = strcasecmp(f[1], "password") == 0;
		im->header_seen = true;
		return;
	}
	errx(1, "%s:%lu: the first line must be the header \"address,hash\" "
	     "or \"address,password\"", im->label, im->line);
}

/* A new hash for a csv password into hash, or a reason. */
static const char *
hash_password(struct importer *im, const char *name, const char *pw,
	      char *hash, size_t hashsz)
{
	const char *why = NULL;

	if (password_check(pw, name, im->a->o.force, &why) != MU_OK)
		return why != NULL ? why : "password refused";
	/* rows that will be rolled back need no real hash */
	if (im->a->o.dry_run || (im->bad > 0 && !im->a->o.cont))
		snprintf(hash, hashsz, PLACEHOLDER);
	else
		admin_hash(im->a, pw, hash, hashsz);
	return NULL;
}

static void
import_line(struct importer *im, size_t len)
{
	char *f[MAX_FIELDS], name[MU_NAME_MAX + 1], hash[MU_HASH_MAX];
	const char *why = NULL, *h = NULL, *domain;
	int n, want_max;
	int64_t id, did;

	if (len == 0)
		return;		/* blank lines are skipped */
	if (!mu_utf8_valid(im->buf, len)) {
		bad_line(im, NULL, "not valid UTF-8");
		return;
	}
	if (im->fmt == F_CSV) {
		if ((n = split_csv(im->buf, f, &why)) < 0) {
			bad_line(im, NULL, why);
			return;
		}
		if (!im->header_seen) {
			csv_header(im, f, n);
			return;
		}
		want_max = 2;
	} else {
		if (im->buf[0] == '#')
			return;		/* a comment, as Dovecot has them */
		n = split(im->buf, ':', f);
		/* Dovecot: user:password[:uid:gid:gecos:home:shell:extra],
		 * extra fields may hold more colons */
		want_max = im->fmt == F_DOVECOT ? INT32_MAX : 2;
	}
	if (n < 2 || n > want_max) {
		bad_line(im, NULL, im->fmt == F_DOVECOT ?
			 "wrong field count (expected user:password[:...])" :
			 im->fmt == F_CSV ? "wrong field count (expected 2)" :
			 "wrong field count (expected user:hash)");
		return;
	}
	if (strchr(f[0], '@') == NULL && im->bare[0] == '\0') {
		bad_line(im, f[0], "name without @domain (use --domain)");
		return;
	}
	if (mu_canon(f[0], im->bare, mu_config_canon_flags(&im->a->cfg), name,
		     &why) != MU_OK) {
		bad_line(im, f[0], why);
		return;
	}
	if (im->fmt == F_DOVECOT && (h = dovecot_hash(f[1], &why)) == NULL) {
		bad_line(im, name, why);
		return;
	}
	if (im->fmt == F_CSV && im->csv_password) {
		why = hash_password(im, name, f[1], hash, sizeof(hash));
		h = hash;
	} else {
		if (h == NULL)
			h = f[1];
		why = hash_problem(h);
	}
	if (why != NULL) {
		bad_line(im, name, why);
		goto out;
	}
	domain = strchr(name, '@') + 1;
	if ((did = domain_id(im, domain)) < 0) {
		if (!im->a->o.create_domains) {
			bad_line(im, name, "no such domain (add it first, or "
				 "use --create-domains)");
			goto out;
		}
		did = add_domain(im, domain);
	} else if ((id = find_user(im, name)) >= 0) {
		bad_line(im, name, id > im->base_id ?
			 "duplicate of an earlier line of the file" :
			 "user already exists");
		goto out;
	}
	add_user(im, name, did, h);
out:
	mu_wipe(hash, sizeof(hash));
}

/* ---- the command ------------------------------------------------------ */

static void
prepare(struct importer *im)
{
	sqlite3_stmt *s;

	s = db_prepare(im->db, "SELECT coalesce(max(id), 0) FROM users");
	im->base_id = db_step(s) ? sqlite3_column_int64(s, 0) : 0;
	sqlite3_finalize(s);
	if (im->base_id == INT64_MAX)
		errx(1, "import: user ids are exhausted");
	im->find_user = db_prepare(im->db, "SELECT id FROM users WHERE "
				   "name = ?1");
	im->find_domain = db_prepare(im->db, "SELECT id FROM domains WHERE "
				     "name = ?1");
	im->add_domain = db_prepare(im->db, "INSERT INTO domains (name, "
				    "created) VALUES (?1, ?2)");
	im->add_user = db_prepare(im->db, "INSERT INTO users (name, "
				  "domain_id, hash, pw_changed, created) "
				  "VALUES (?1, ?2, ?3, ?4, ?4)");
	im->dom_id = -1;
	/* the summary row first; its detail gets the counts at the end */
	im->summary = db_audit_first(im->db, "import", NULL, "started");
	im->audit = audit_copy_prepare(im->db);
}

static void
finish(struct importer *im)
{
	sqlite3_finalize(im->find_user);
	sqlite3_finalize(im->find_domain);
	sqlite3_finalize(im->add_domain);
	sqlite3_finalize(im->add_user);
	sqlite3_finalize(im->audit);
}

void
cmd_import(struct admin *a, int argc, char **argv)
{
	static struct importer im;	/* large: not on the stack */
	static char iobuf[65536];
	char detail[256], esc[PATH_MAX];
	struct progress pr;
	struct stat sb;
	uint64_t bytes = 0;
	sqlite3_stmt *s;
	const char *path = argv[0];
	FILE *f;
	enum rec r;
	size_t len;
	int exit_status = 0;

	(void)argc;
	memset(&im, 0, sizeof(im));
	im.a = a;
	im.fmt = format_arg(a->o.format);
	if (a->o.domain != NULL)
		domain_arg(a->o.domain, im.bare);
	else
		snprintf(im.bare, sizeof(im.bare), "%s",
			 a->cfg.default_domain);
	if (strcmp(path, "-") == 0) {
		f = stdin;
		im.label = "(standard input)";
	} else {
		if ((f = fopen(path, "re")) == NULL)
			err(1, "%s", path);
		im.label = mu_escape(esc, sizeof(esc), path);
	}
	if (setvbuf(f, iobuf, _IOFBF, sizeof(iobuf)) != 0)
		errx(1, "setvbuf failed");

	/* SQLite frees and takes back a block at the top of the heap for
	 * each statement: without this, glibc returns it to the kernel and
	 * asks again every time, which costs more than the import itself */
	(void)mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	im.db = admin_open(a);
	im.now = (int64_t)time(NULL);
	/* a large import touches many index pages: keep them in memory
	 * (bounded: 64 MiB) rather than spilling them mid-transaction */
	db_exec(im.db, "PRAGMA cache_size = -65536");
	db_exec(im.db, "BEGIN IMMEDIATE");
	prepare(&im);
	/* the estimate of the time left needs the size: a regular file */
	progress_begin(&pr, "import", "lines", fstat(fileno(f), &sb) == 0 &&
		       S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0);
	while ((r = read_line(f, im.buf, &len)) != REC_EOF) {
		im.line++;
		bytes += len + 1;
		progress_update(&pr, im.line, bytes);
		if (im.line == 1 && im.fmt == F_CSV && len >= 3 &&
		    memcmp(im.buf, "\xef\xbb\xbf", 3) == 0) {
			memmove(im.buf, im.buf + 3, len - 2);	/* BOM */
			len -= 3;
		}
		if (r == REC_LONG)
			bad_line(&im, NULL, "line too long (over 4096 bytes)");
		else if (r == REC_NUL)
			bad_line(&im, NULL, "NUL byte in the line");
		else
			import_line(&im, len);
		if (im.csv_password)
			mu_wipe(im.buf, len + 1);
	}
	if (ferror(f))
		err(1, "%s", im.label);
	progress_end(&pr, im.line);
	mu_wipe(im.buf, sizeof(im.buf));
	if (f != stdin)
		fclose(f);
	else
		clearerr(f);
	mu_wipe(iobuf, sizeof(iobuf));
	if (im.fmt == F_CSV && !im.header_seen)
		errx(1, "%s: no header line \"address,hash\" or "
		     "\"address,password\"", im.label);
	finish(&im);

	if (a->o.dry_run || (im.bad > 0 && !a->o.cont)) {
		db_exec(im.db, "ROLLBACK");
		if (a->o.dry_run)
			printf("dry run: %lu user%s and %lu domain%s would be "
			       "added, %lu bad line%s\n", im.added,
			       im.added == 1 ? "" : "s", im.domains,
			       im.domains == 1 ? "" : "s", im.bad,
			       im.bad == 1 ? "" : "s");
		if (im.bad > 0) {
			if (!a->o.dry_run)
				warnx("%s: %lu bad line%s: nothing imported "
				      "(--continue imports the good lines)",
				      im.label, im.bad,
				      im.bad == 1 ? "" : "s");
			exit_status = a->o.cont ? EXIT_PARTIAL : 1;
		}
	} else {
		snprintf(detail, sizeof(detail), "format %s, %lu users, %lu "
			 "domains, %lu bad lines skipped", a->o.format,
			 im.added, im.domains, im.bad);
		s = db_prepare(im.db, "UPDATE audit SET detail = ?1 WHERE "
			       "id = ?2");
		db_bind_text(s, 1, detail);
		db_bind_int(s, 2, im.summary);
		db_run(s);
		db_exec(im.db, "COMMIT");
		printf("imported %lu user%s, %lu domain%s added", im.added,
		       im.added == 1 ? "" : "s", im.domains,
		       im.domains == 1 ? "" : "s");
		if (im.bad > 0)
			printf(", %lu bad line%s skipped", im.bad,
			       im.bad == 1 ? "" : "s");
		putchar('\n');
		if (im.bad > 0)
			exit_status = EXIT_PARTIAL;
	}
	if (exit_status != 0) {
		if (fflush(stdout) != 0)
			err(1, "standard output");
		exit(exit_status);
	}
}
