/*
 * libFuzzer harness: the line parser of "mailuser-admin import", through
 * tools/import_parse.h (no store).  Input: one setup byte, then a file.
 * The setup byte's bits: 0-1 the format (pwdfile, dovecot, csv; 3 is
 * csv too), 2-3 the mu_canon flags (0, MU_CANON_LOWER_LOCAL,
 * MU_CANON_UTF8_LOCAL, both), 4 allow_weak, 5 a --domain for bare names
 * ("example.org").  The file is cut into lines at '\n', a trailing '\r'
 * removed as the caller does, and each line given, in a heap block of
 * exactly len + 1 bytes, to import_parse_line() with one parser for the
 * whole file (so the csv header state is exercised); a line over
 * IMPORT_LINE_MAX is given whole (the caller would cut it at
 * IMPORT_LINE_MAX + 1 bytes, which is refused the same way).
 * Properties:
 *   - the result is one of enum import_result; IMPORT_FATAL only in
 *     csv, and then the file stops; p.lines counts the lines;
 *   - IMPORT_BAD / IMPORT_FATAL: *why is non-empty printable ASCII, and
 *     rec->who, when set, is a string;
 *   - IMPORT_USER: the name is canonical (mu_canon gives it back
 *     unchanged), rec->who is the name, the secret is a string inside
 *     the line; a hash (not a csv password) passes import_hash_problem,
 *     and, unless allow_weak, is not weak (import_hash_weak);
 *     is_password only in a csv file with the "address,password" header.
 *   - IMPORT_SKIP, IMPORT_USER: *why is NULL.
 */
#include <string.h>

#include "fuzz.h"
#include "import_parse.h"
#include "mu_error.h"
#include "mu_username.h"

static const enum import_fmt formats[4] = {
	IMPORT_PWDFILE, IMPORT_DOVECOT, IMPORT_CSV, IMPORT_CSV
};

static const unsigned flag_sets[4] = {
	0, MU_CANON_LOWER_LOCAL, MU_CANON_UTF8_LOCAL,
	MU_CANON_LOWER_LOCAL | MU_CANON_UTF8_LOCAL
};

static void
check_text(const char *s, const char *what)
{
	FUZZ_CHECK(s != NULL && *s != '\0', "%s: no text", what);
	for (; *s != '\0'; s++)
		FUZZ_CHECK(*s >= 0x20 && *s < 0x7f, "%s: byte 0x%02x", what,
			   (unsigned char)*s);
}

/* Returns false when the file stops here. */
static bool
one_line(struct import_parser *p, const uint8_t *data, size_t len,
	 unsigned long lineno)
{
	struct import_rec rec;
	char *line = malloc(len + 1), *again;
	const char *why = (const char *)1;
	const char *w = NULL;
	int r;

	if (line == NULL)
		abort();
	memcpy(line, data, len);
	line[len] = '\0';
	r = import_parse_line(p, line, len, &rec, &why);
	FUZZ_CHECK(p->lines == lineno, "lines %lu at line %lu", p->lines,
		   lineno);
	switch (r) {
	case IMPORT_FATAL:
		FUZZ_CHECK(p->fmt == IMPORT_CSV, "fatal in format %d", p->fmt);
		/* fall through */
	case IMPORT_BAD:
		check_text(why, "why");
		if (rec.who != NULL)
			(void)strlen(rec.who);
		break;
	case IMPORT_SKIP:
		FUZZ_CHECK(why == NULL, "why on a skipped line");
		break;
	case IMPORT_USER:
		FUZZ_CHECK(why == NULL, "why on a user: %s", why);
		FUZZ_CHECK(rec.who == rec.name, "who is not the name");
		FUZZ_CHECK(memchr(rec.name, '\0', sizeof(rec.name)) != NULL &&
			   strchr(rec.name, '@') != NULL, "name");
		again = malloc(MU_NAME_MAX + 1);
		if (again == NULL)
			abort();
		FUZZ_CHECK(mu_canon(rec.name, NULL, p->canon_flags, again,
				    &w) == MU_OK &&
			   strcmp(rec.name, again) == 0,
			   "name \"%s\" not canonical", rec.name);
		free(again);
		FUZZ_CHECK(rec.secret != NULL && rec.secret >= line &&
			   rec.secret + strlen(rec.secret) <= line + len,
			   "secret not inside the line");
		if (rec.is_password) {
			FUZZ_CHECK(p->fmt == IMPORT_CSV && p->csv_password,
				   "a password outside a password csv");
		} else {
			FUZZ_CHECK(import_hash_problem(rec.secret) == NULL,
				   "stored hash with a problem: %s",
				   import_hash_problem(rec.secret));
			FUZZ_CHECK(p->allow_weak ||
				   import_hash_weak(rec.secret, &w) == NULL,
				   "weak hash without allow_weak");
		}
		break;
	default:
		FUZZ_CHECK(0, "result %d", r);
	}
	free(line);
	return r != IMPORT_FATAL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_parser p;
	const uint8_t *nl;
	unsigned long lineno = 0;
	size_t pos, n, len;
	unsigned setup;

	if (size < 1)
		return 0;
	setup = data[0];
	import_parser_init(&p, formats[setup & 3], setup & 0x20 ?
			   "example.org" : NULL, flag_sets[(setup >> 2) & 3],
			   (setup & 0x10) != 0);
	for (pos = 1; pos < size; pos += n + (nl != NULL)) {
		nl = memchr(data + pos, '\n', size - pos);
		n = nl != NULL ? (size_t)(nl - (data + pos)) : size - pos;
		len = n > 0 && data[pos + n - 1] == '\r' ? n - 1 : n;
		if (!one_line(&p, data + pos, len, ++lineno))
			break;
	}
	return 0;
}
