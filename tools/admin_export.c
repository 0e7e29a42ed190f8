/*
 * mailuser-admin export --format pwdfile|dovecot|csv|json [--domain D]
 *
 * Every user (of one domain with --domain), whatever its state, sorted
 * by name in byte order (the order of "LC_ALL=C sort"), read in one
 * transaction so that the output is one consistent state.  The output
 * holds password hashes: it is written to standard output only, and the
 * export is recorded in the audit table (the format and the number of
 * users, never a hash).
 *
 * pwdfile   name:hash                  (what "import --format pwdfile"
 *                                       reads back byte for byte)
 * dovecot   name:{SCHEME}hash::::::    (SHA512-CRYPT, SHA256-CRYPT,
 *                                       BLF-CRYPT, MD5-CRYPT, else CRYPT)
 * csv       address,hash header, RFC 4180 quoting where needed
 * json      an array of objects, with the account's state as well
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "mu_bulk.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_username.h"

enum efmt { E_PWDFILE, E_DOVECOT, E_CSV, E_JSON };

static enum efmt
format_arg(const char *s)
{
	static const char *const names[] = { "pwdfile", "dovecot", "csv",
					     "json" };
	size_t i;

	if (s == NULL)
		errx(EXIT_USAGE, "export: --format is required (pwdfile, "
		     "dovecot, csv or json)");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return (enum efmt)i;
	errx(EXIT_USAGE, "export: --format must be pwdfile, dovecot, csv or "
	     "json");
}

/* The Dovecot scheme that names a crypt string's method. */
static const char *
dovecot_scheme(const char *h)
{
	if (strncmp(h, "$6$", 3) == 0)
		return "SHA512-CRYPT";
	if (strncmp(h, "$5$", 3) == 0)
		return "SHA256-CRYPT";
	if (strncmp(h, "$2", 2) == 0)
		return "BLF-CRYPT";
	if (strncmp(h, "$1$", 3) == 0)
		return "MD5-CRYPT";
	return "CRYPT";
}

/* A csv field, quoted when it holds a comma, a quote or a line end. */
static void
csv_field(const char *v)
{
	if (strpbrk(v, ",\"\r\n") == NULL) {
		fputs(v, stdout);
		return;
	}
	putchar('"');
	for (; *v != '\0'; v++) {
		if (*v == '"')
			putchar('"');
		putchar(*v);
	}
	putchar('"');
}

/* Can a hash be written into a line-based format?  (Hashes the tool
 * stores always can; a store edited by other means might hold others.) */
static bool
exportable(const char *h)
{
	const unsigned char *p;

	for (p = (const unsigned char *)h; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f || *p == ':')
			return false;
	return *h != '\0';
}

/* The state of one export: its format, output and counts. */
struct exporter {
	enum efmt fmt;
	struct json arr;
	struct progress pr;
	int64_t n, skipped;
};

static void
json_row(struct exporter *ex, const struct mu_export_row *u)
{
	char exp[32], changed[32], created[32];
	struct json obj;

	if (u->has_expires)
		expiry_fmt(u->expires, exp, sizeof(exp));
	time_fmt(u->pw_changed, changed, sizeof(changed));
	time_fmt(u->created, created, sizeof(created));
	json_begin(&obj, stdout, NULL, &ex->arr, '{');
	json_str(&obj, "name", u->name);
	json_str(&obj, "domain", u->domain);
	json_str(&obj, "hash", u->hash);
	json_str(&obj, "hash_method", mu_hash_method_name(u->hash));
	json_bool(&obj, "disabled", u->disabled);
	json_bool(&obj, "force_change", u->force_change);
	json_bool(&obj, "locked", u->locked);
	json_str(&obj, "expires", u->has_expires ? exp : NULL);
	json_str(&obj, "password_changed", changed);
	json_str(&obj, "created", created);
	json_end(&obj, '}');
}

static int
row(void *arg, const struct mu_export_row *u)
{
	struct exporter *ex = arg;
	uint64_t done = (uint64_t)(ex->n + ex->skipped + 1);

	progress_update(&ex->pr, done, done);
	if (ex->fmt != E_JSON && !exportable(u->hash)) {
		warnx("%s: hash cannot be written in this format; skipped",
		      u->name);
		ex->skipped++;
		return 0;
	}
	ex->n++;
	switch (ex->fmt) {
	case E_PWDFILE:
		printf("%s:%s\n", u->name, u->hash);
		break;
	case E_DOVECOT:
		printf("%s:{%s}%s::::::\n", u->name, dovecot_scheme(u->hash),
		       u->hash);
		break;
	case E_CSV:
		csv_field(u->name);
		putchar(',');
		csv_field(u->hash);
		putchar('\n');
		break;
	case E_JSON:
		json_row(ex, u);
		break;
	}
	return 0;
}

void
cmd_export(struct admin *a, int argc, char **argv)
{
	char d[MU_DOMAIN_MAX + 1], detail[MU_DOMAIN_MAX + 96];
	struct exporter ex;
	struct mu_store *st;
	int64_t id = 0, total;
	bool found;
	int r;

	(void)argc;
	(void)argv;
	memset(&ex, 0, sizeof(ex));
	ex.fmt = format_arg(a->o.format);
	if (a->o.domain != NULL)
		domain_arg(a->o.domain, d);
	st = admin_store(a);
	if (a->o.domain != NULL) {
		if ((r = mu_bulk_domain_id(st, d, &id, &found)) != MU_OK)
			admin_die(a, r, "export");
		if (!found)
			errx(1, "no such domain: %s", d);
	}
	/* the total only serves the progress line: counted only for one */
	progress_begin(&ex.pr, "export", "users", 0);
	if (ex.pr.on) {
		if ((r = mu_export_count(st, a->o.domain != NULL ? &id : NULL,
					 &total)) != MU_OK)
			admin_die(a, r, "export");
		ex.pr.total = (uint64_t)total;
	}
	if (ex.fmt == E_CSV)
		printf("address,hash\n");
	if (ex.fmt == E_JSON)
		json_begin(&ex.arr, stdout, NULL, NULL, '[');
	if ((r = mu_export_each(st, a->o.domain != NULL ? &id : NULL, row,
				&ex)) != MU_OK)
		admin_die(a, r, "export");
	progress_end(&ex.pr, (uint64_t)(ex.n + ex.skipped));
	if (ex.fmt == E_JSON) {
		json_end(&ex.arr, ']');
		putchar('\n');
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "standard output");

	snprintf(detail, sizeof(detail), "format %s, %lld users%s%s",
		 a->o.format, (long long)ex.n, a->o.domain != NULL ?
		 ", domain " : "", a->o.domain != NULL ? d : "");
	if ((r = mu_bulk_audit(st, "export", NULL, detail)) != MU_OK)
		admin_die(a, r, "export");
	if (ex.skipped > 0)
		exit(1);
}
