/*
 * mailuser-admin import --format pwdfile|dovecot|csv FILE|-
 *
 * Two phases, so that no transaction holds the store's write lock for
 * long (a login that must record a failure would wait, and be refused
 * when it cannot record it):
 *
 * 1. Checking.  The file is read one line at a time into a fixed buffer
 *    and every line is parsed and checked (import_parse.c), then against
 *    the store by reads only, inside one read transaction (which never
 *    blocks a writer in WAL mode): the domain exists (or is noted for
 *    --create-domains), the user does not.  The good rows (canonical
 *    name and hash, never a csv password) are staged in a temporary
 *    table of the store's connection (mu_import_stage), which lives
 *    outside the store (SQLite: in its temporary file, unlinked when it
 *    is made) and takes no lock on it; its UNIQUE name finds the
 *    duplicates within the file.  Each bad line is reported on
 *    standard error as "FILE:LINE: [NAME: ]reason" and every line is
 *    checked even after a bad one.  Nothing is written to the store in
 *    this phase: with --dry-run, or with bad lines and no --continue, the
 *    command stops here (exit 1 when lines were bad).
 *
 * 2. Writing.  The staged rows are copied into users, in file order, by
 *    short transactions of progress.c (about 50 ms of write lock each,
 *    with a pause between them), each with the domains its users need
 *    (--create-domains) and the audit rows of what it added; the first
 *    also writes the "import" summary row, whose detail each one updates
 *    ("in progress: N users, M domains so far"), the last with the final
 *    counts.  A user or domain that another process created, or a domain
 *    it deleted, after phase 1 checked it is reported like a bad line of
 *    phase 1 and skipped (exit 3): the batches already written cannot be
 *    rolled back.  Readers see the users of the batches committed so far.
 *    An interrupted phase 2 leaves those batches, their audit rows and a
 *    summary row that says "in progress"; the same import run again with
 *    --continue adds the rest and reports the others as existing users.
 *
 * Memory stays flat whatever the size of the file: one line buffer, the
 * page caches of the store and of the staging table (bounded), and the
 * statements, prepared once per connection by the store.
 *
 * A csv file with a password column gets new hashes of the configured
 * method, after the same checks as "user passwd" unless --force.
 * Passwords are never printed, and the line buffer and stdio's buffer
 * are wiped.
 */
#include <err.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "admin.h"
#include "import_parse.h"
#include "mu_audit.h"
#include "mu_bulk.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_secret.h"
#include "mu_username.h"

#define EXIT_PARTIAL 3		/* bad lines were skipped */
#define PLACEHOLDER "*"		/* hash of a row that is never written */

struct importer {
	struct admin *a;
	struct mu_store *st;
	const char *label;	/* file name for messages */
	struct import_parser p;
	char bare[MU_DOMAIN_MAX + 1];	/* domain for names without '@' */
	int64_t now;
	/* phase 1 */
	char dom[MU_DOMAIN_MAX + 1];	/* last domain looked up */
	int dom_state;		/* of dom: 1 exists, 0 to create, -1 none */
	unsigned long line, staged, domains, bad;
	bool sized;		/* the file is a regular file */
	/* phase 2 */
	int64_t summary;	/* id of the "import" audit row */
	int64_t added, domains_added;
	char buf[IMPORT_LINE_MAX + 2];
};

/* stdio's buffer for the file: it holds csv passwords too */
static char iobuf[65536];

/* Wipe what may hold passwords of the file: before any exit. */
static void
wipe_input(struct importer *im)
{
	mu_wipe(im->buf, sizeof(im->buf));
	mu_wipe(iobuf, sizeof(iobuf));
}

static enum import_fmt
format_arg(const char *s)
{
	if (s == NULL)
		errx(EXIT_USAGE, "import: --format is required (pwdfile, "
		     "dovecot or csv)");
	if (strcmp(s, "pwdfile") == 0)
		return IMPORT_PWDFILE;
	if (strcmp(s, "dovecot") == 0)
		return IMPORT_DOVECOT;
	if (strcmp(s, "csv") == 0)
		return IMPORT_CSV;
	errx(EXIT_USAGE, "import: --format must be pwdfile, dovecot or csv");
}

/* Read one line (LF or CRLF ended; the last one may lack its end) into
 * buf (IMPORT_LINE_MAX + 2 bytes) without its end.  A longer line is
 * read to its end and given as IMPORT_LINE_MAX + 1 bytes, which the
 * parser refuses.  false at the end of the file. */
static bool
read_line(FILE *f, char *buf, size_t *len)
{
	size_t n = 0;
	bool toolong = false;
	int c;

	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (n < IMPORT_LINE_MAX + 1)
			buf[n++] = (char)c;
		else
			toolong = true;
	}
	if (c == EOF && n == 0)
		return false;
	if (!toolong && n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return true;
}

static void
bad_line(struct importer *im, unsigned long line, const char *name,
	 const char *why)
{
	char esc[MU_NAME_MAX * 4 + 16];

	im->bad++;
	if (name != NULL)
		warnx("%s:%lu: %s: %s", im->label, line,
		      mu_escape(esc, sizeof(esc), name), why);
	else
		warnx("%s:%lu: %s", im->label, line, why);
}

/* A store operation failed: wipe what may hold passwords, then say why
 * and exit. */
static void __attribute__((noreturn))
store_failed(struct importer *im, int r)
{
	wipe_input(im);
	admin_die(im->a, r, "import");
}

/* ---- phase 1: checking ------------------------------------------------- */

/* Whether domain d exists (1), is to be created by this import (0) or
 * is missing (-1); cached for runs of one domain. */
static int
domain_state(struct importer *im, const char *d)
{
	bool yes;
	int r;

	if (im->dom[0] != '\0' && strcmp(d, im->dom) == 0)
		return im->dom_state;
	snprintf(im->dom, sizeof(im->dom), "%s", d);
	if ((r = mu_import_domain_exists(im->st, d, &yes)) != MU_OK)
		store_failed(im, r);
	im->dom_state = yes ? 1 : -1;
	return im->dom_state;
}

static bool
user_exists(struct importer *im, const char *name)
{
	bool found;
	int r;

	if ((r = mu_import_user_exists(im->st, name, &found)) != MU_OK)
		store_failed(im, r);
	return found;
}

/* Stage a checked user; false when the file had it already. */
static bool
stage(struct importer *im, const char *name, const char *hash)
{
	bool added;
	int r;

	r = mu_import_stage(im->st, (int64_t)im->staged + 1,
			    (int64_t)im->line, name, strchr(name, '@') + 1,
			    hash, &added);
	if (r != MU_OK)
		store_failed(im, r);
	return added;
}

/* A new hash for a csv password into hash, or a reason. */
static const char *
hash_password(struct importer *im, const char *name, const char *pw,
	      char *hash, size_t hashsz)
{
	const char *why = NULL;

	if (password_check(pw, name, im->a->o.force, &why) != MU_OK)
		return why != NULL ? why : "password refused";
	/* rows that will never be written need no real hash */
	if (im->a->o.dry_run || (im->bad > 0 && !im->a->o.cont))
		snprintf(hash, hashsz, PLACEHOLDER);
	else
		admin_hash(im->a, pw, hash, hashsz);
	return NULL;
}

/* Check one user of the file against the store and stage it. */
static void
check_user(struct importer *im, struct import_rec *rec)
{
	char hash[MU_HASH_MAX];
	const char *why = NULL, *h = rec->secret;
	bool added;
	int state, r;

	if (rec->is_password) {
		if ((why = hash_password(im, rec->name, rec->secret, hash,
					 sizeof(hash))) != NULL)
			goto bad;
		h = hash;
	}
	state = domain_state(im, strchr(rec->name, '@') + 1);
	if (state < 0 && !im->a->o.create_domains) {
		why = "no such domain (add it first, or use --create-domains)";
		goto bad;
	}
	if (state > 0 && user_exists(im, rec->name)) {
		why = "user already exists";
		goto bad;
	}
	if (!stage(im, rec->name, h)) {
		why = "duplicate of an earlier line of the file";
		goto bad;
	}
	im->staged++;
	if (state < 0) {	/* the first user of a new domain */
		if ((r = mu_import_note_domain(im->st, im->dom, &added)) !=
		    MU_OK) {
			mu_wipe(hash, sizeof(hash));
			store_failed(im, r);
		}
		im->domains += added ? 1 : 0;
		im->dom_state = 0;
	}
	mu_wipe(hash, sizeof(hash));
	return;
bad:
	mu_wipe(hash, sizeof(hash));
	bad_line(im, im->line, rec->name, why);
}

static void
check_line(struct importer *im, size_t len)
{
	struct import_rec rec;
	const char *why;

	switch (import_parse_line(&im->p, im->buf, len, &rec, &why)) {
	case IMPORT_USER:
		check_user(im, &rec);
		break;
	case IMPORT_BAD:
		bad_line(im, im->line, rec.who, why);
		break;
	case IMPORT_FATAL:
		wipe_input(im);
		errx(1, "%s:%lu: %s", im->label, im->line, why);
	default:
		break;
	}
	mu_wipe(&rec, sizeof(rec));
}

/* Phase 1 over the whole file. */
static void
check_file(struct importer *im, FILE *f)
{
	struct progress pr;
	struct stat sb;
	uint64_t bytes = 0;
	size_t len;
	int r;

	/* the staging tables, and one read transaction on the store */
	if ((r = mu_import_stage_begin(im->st)) != MU_OK)
		store_failed(im, r);
	/* the estimate of the time left needs the size: a regular file */
	im->sized = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode);
	progress_begin(&pr, "import", "lines", im->sized ?
		       (uint64_t)sb.st_size : 0);
	while (read_line(f, im->buf, &len)) {
		im->line++;
		bytes += len + 1;
		progress_update(&pr, im->line, bytes);
		check_line(im, len);
		if (im->p.csv_password)
			mu_wipe(im->buf, len + 1);
	}
	if (ferror(f)) {
		wipe_input(im);
		err(1, "%s", im->label);
	}
	progress_end(&pr, im->line);
	if ((r = mu_import_stage_end(im->st)) != MU_OK)
		store_failed(im, r);
}

/* ---- phase 2: writing -------------------------------------------------- */

/* A staged row phase 2 skipped: reported like a bad line of phase 1. */
static void
conflict(void *arg, int64_t line, const char *name, bool user_exists)
{
	bad_line(arg, (unsigned long)line, name, user_exists ?
		 "user already exists (added by another process during the "
		 "import)" : "no such domain (deleted by another process "
		 "during the import)");
}

/* Phase 2: the staged rows into the store, batch by batch. */
static void
write_all(struct importer *im)
{
	char detail[256];
	struct progress pr;
	struct batch b;
	int64_t last, lo = 0, hi;
	int r;

	if ((r = mu_import_staged(im->st, &last)) != MU_OK)
		admin_die(im->a, r, "import");
	/* an estimate for a file, none for standard input, as in phase 1 */
	progress_begin(&pr, "import, writing", "users", im->sized ?
		       (uint64_t)last : 0);
	batch_init(&b);
	do {
		batch_begin(&b, im->st);
		if (b.batches == 0 &&
		    (r = mu_audit_add_id(im->st, "mailuser-admin", "import",
					 NULL, "started", &im->summary)) !=
		    MU_OK)
			admin_die(im->a, r, "import");
		hi = last - lo > b.size ? lo + b.size : last;
		r = mu_import_write(im->st, lo, hi, im->now,
				    im->a->o.create_domains, im->summary,
				    &im->added, &im->domains_added, conflict,
				    im);
		if (r != MU_OK)
			admin_die(im->a, r, "import");
		snprintf(detail, sizeof(detail), "format %s, %s%lld users, "
			 "%lld domains%s", im->a->o.format, hi < last ?
			 "in progress: " : "", (long long)im->added,
			 (long long)im->domains_added,
			 hi < last ? " so far" : "");
		if (hi == last)
			snprintf(detail + strlen(detail), sizeof(detail) -
				 strlen(detail), ", %lu bad lines skipped",
				 im->bad);
		if ((r = mu_import_summary(im->st, im->summary, detail)) !=
		    MU_OK)
			admin_die(im->a, r, "import");
		batch_commit(&b, im->st);
		lo = hi;
		progress_update(&pr, (uint64_t)im->added, (uint64_t)lo);
	} while (lo < last);
	progress_end(&pr, (uint64_t)im->added);
	mu_logf(&im->a->log, LOG_DEBUG, "import: %llu transaction%s of %lld "
		"to %lld users, longest write lock %lld ms",
		(unsigned long long)b.batches, b.batches == 1 ? "" : "s",
		(long long)b.min_size, (long long)b.max_size,
		(long long)b.longest_ms);
}

/* ---- the command ------------------------------------------------------- */

static void
summary(struct importer *im)
{
	struct admin *a = im->a;
	int status = 0;

	if (a->o.dry_run) {
		printf("dry run: %lu user%s and %lu domain%s would be added, "
		       "%lu bad line%s\n", im->staged,
		       im->staged == 1 ? "" : "s", im->domains,
		       im->domains == 1 ? "" : "s", im->bad,
		       im->bad == 1 ? "" : "s");
		if (im->bad > 0)
			status = a->o.cont ? EXIT_PARTIAL : 1;
	} else if (im->bad > 0 && !a->o.cont && im->summary == 0) {
		warnx("%s: %lu bad line%s: nothing imported (--continue "
		      "imports the good lines)", im->label, im->bad,
		      im->bad == 1 ? "" : "s");
		status = 1;
	} else {
		printf("imported %lld user%s, %lld domain%s added",
		       (long long)im->added, im->added == 1 ? "" : "s",
		       (long long)im->domains_added,
		       im->domains_added == 1 ? "" : "s");
		if (im->bad > 0)
			printf(", %lu bad line%s skipped", im->bad,
			       im->bad == 1 ? "" : "s");
		putchar('\n');
		if (im->bad > 0)
			status = EXIT_PARTIAL;
	}
	if (status != 0) {
		if (fflush(stdout) != 0)
			err(1, "standard output");
		exit(status);
	}
}

void
cmd_import(struct admin *a, int argc, char **argv)
{
	static struct importer im;	/* large: not on the stack */
	char esc[PATH_MAX];
	const char *path = argv[0];
	FILE *f;

	(void)argc;
	memset(&im, 0, sizeof(im));
	im.a = a;
	if (a->o.domain != NULL)
		domain_arg(a->o.domain, im.bare);
	else
		snprintf(im.bare, sizeof(im.bare), "%s",
			 a->cfg.default_domain);
	import_parser_init(&im.p, format_arg(a->o.format), im.bare,
			   mu_config_canon_flags(&a->cfg), a->o.allow_weak);
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
	im.st = admin_store(a);
	im.now = (int64_t)time(NULL);
	check_file(&im, f);
	if (f != stdin)
		fclose(f);
	else
		clearerr(f);
	wipe_input(&im);
	if (im.p.fmt == IMPORT_CSV && !im.p.header_seen)
		errx(1, "%s: no header line \"address,hash\" or "
		     "\"address,password\"", im.label);
	if (!a->o.dry_run && (im.bad == 0 || a->o.cont))
		write_all(&im);
	summary(&im);
}
