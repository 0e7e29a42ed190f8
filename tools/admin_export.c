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

void
cmd_export(struct admin *a, int argc, char **argv)
{
	char d[MU_DOMAIN_MAX + 1], exp[32], changed[32], created[32];
	char detail[MU_DOMAIN_MAX + 96];
	struct json arr, obj;
	struct progress pr;
	enum efmt fmt = format_arg(a->o.format);
	const char *name, *hash;
	sqlite3_stmt *s;
	sqlite3 *db;
	int64_t n = 0, skipped = 0;

	(void)argc;
	(void)argv;
	if (a->o.domain != NULL)
		domain_arg(a->o.domain, d);
	db = admin_open(a);
	db_exec(db, "BEGIN");
	if (a->o.domain != NULL && db_domain_id(db, d) < 0)
		errx(1, "no such domain: %s", d);
	/* the total only serves the progress line: counted only for one */
	progress_begin(&pr, "export", "users", 0);
	if (pr.on) {
		s = db_prepare(db, "SELECT count(*) FROM users u JOIN domains "
			       "d ON d.id = u.domain_id WHERE ?1 IS NULL OR "
			       "d.name = ?1");
		db_bind_text(s, 1, a->o.domain != NULL ? d : NULL);
		if (db_step(s))
			pr.total = (uint64_t)sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	s = db_prepare(db, "SELECT u.name, u.hash, d.name, u.disabled, "
		       "u.force_change, u.locked_at IS NOT NULL, u.expires, "
		       "u.pw_changed, u.created FROM users u JOIN domains d "
		       "ON d.id = u.domain_id WHERE ?1 IS NULL OR d.name = ?1 "
		       "ORDER BY u.name");
	db_bind_text(s, 1, a->o.domain != NULL ? d : NULL);
	if (fmt == E_CSV)
		printf("address,hash\n");
	if (fmt == E_JSON)
		json_begin(&arr, stdout, NULL, NULL, '[');
	while (db_step(s)) {
		progress_update(&pr, (uint64_t)(n + skipped + 1),
				(uint64_t)(n + skipped + 1));
		name = db_text(s, 0);
		hash = db_text(s, 1);
		if (fmt != E_JSON && !exportable(hash)) {
			warnx("%s: hash cannot be written in this format; "
			      "skipped", name);
			skipped++;
			continue;
		}
		n++;
		switch (fmt) {
		case E_PWDFILE:
			printf("%s:%s\n", name, hash);
			break;
		case E_DOVECOT:
			printf("%s:{%s}%s::::::\n", name,
			       dovecot_scheme(hash), hash);
			break;
		case E_CSV:
			csv_field(name);
			putchar(',');
			csv_field(hash);
			putchar('\n');
			break;
		case E_JSON:
			if (sqlite3_column_type(s, 6) != SQLITE_NULL)
				expiry_fmt(sqlite3_column_int64(s, 6), exp,
					   sizeof(exp));
			time_fmt(sqlite3_column_int64(s, 7), changed,
				 sizeof(changed));
			time_fmt(sqlite3_column_int64(s, 8), created,
				 sizeof(created));
			json_begin(&obj, stdout, NULL, &arr, '{');
			json_str(&obj, "name", name);
			json_str(&obj, "domain", db_text(s, 2));
			json_str(&obj, "hash", hash);
			json_str(&obj, "hash_method",
				 mu_hash_method_name(hash));
			json_bool(&obj, "disabled", sqlite3_column_int(s, 3));
			json_bool(&obj, "force_change",
				  sqlite3_column_int(s, 4));
			json_bool(&obj, "locked", sqlite3_column_int(s, 5));
			json_str(&obj, "expires", sqlite3_column_type(s, 6) ==
				 SQLITE_NULL ? NULL : exp);
			json_str(&obj, "password_changed", changed);
			json_str(&obj, "created", created);
			json_end(&obj, '}');
			break;
		}
	}
	sqlite3_finalize(s);
	db_exec(db, "COMMIT");
	progress_end(&pr, (uint64_t)(n + skipped));
	if (fmt == E_JSON) {
		json_end(&arr, ']');
		putchar('\n');
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "standard output");

	db_exec(db, "BEGIN IMMEDIATE");
	snprintf(detail, sizeof(detail), "format %s, %lld users%s%s",
		 a->o.format, (long long)n, a->o.domain != NULL ?
		 ", domain " : "", a->o.domain != NULL ? d : "");
	db_audit(db, "export", NULL, detail);
	db_exec(db, "COMMIT");
	if (skipped > 0)
		exit(1);
}
