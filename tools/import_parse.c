/*
 * Parsing one line of an import file, and the checks of a crypt string
 * (see import_parse.h).  No store, no output, no allocation.
 */
#include <crypt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "import_parse.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_username.h"

#define MAX_FIELDS 16		/* fields looked at; more are counted */

#define B64 "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* ---- splitting --------------------------------------------------------- */

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
		if (n < INT32_MAX)
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
		if (n < INT32_MAX)
			n++;
		if (end == '\0')
			return n;
		r++;
	}
}

/* ---- crypt strings ----------------------------------------------------- */

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

/* The weak methods, by mu_hash_method_name. */
static const struct {
	const char *method, *why, *import_why;
} weak[] = {
#define HINT " (--allow-weak imports it)"
#define W_DES "DES crypt: only the first 8 characters of a password count"
#define W_BIG "bigcrypt: DES crypt of each 8 characters, cracked one by one"
#define W_BSDI "BSDi extended DES: 8-byte DES blocks, cracked like DES"
#define W_NT "NT hash: unsalted MD4, cracked at billions a second"
	{ "descrypt", W_DES, "weak hash method descrypt: " W_DES HINT },
	{ "bigcrypt", W_BIG, "weak hash method bigcrypt: " W_BIG HINT },
	{ "bsdicrypt", W_BSDI, "weak hash method bsdicrypt: " W_BSDI HINT },
	{ "nt", W_NT, "weak hash method nt: " W_NT HINT },
};

const char *
import_hash_weak(const char *h, const char **why)
{
	const char *m = mu_hash_method_name(h);
	size_t i;

	for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++)
		if (strcmp(m, weak[i].method) == 0) {
			if (why != NULL)
				*why = weak[i].why;
			return weak[i].method;
		}
	return NULL;
}

/* The message of import for a weak hash, or NULL. */
static const char *
weak_line(const char *h)
{
	const char *m = import_hash_weak(h, NULL);
	size_t i;

	for (i = 0; m != NULL && i < sizeof(weak) / sizeof(weak[0]); i++)
		if (strcmp(m, weak[i].method) == 0)
			return weak[i].import_why;
	return NULL;
}

const char *
import_hash_problem(const char *h)
{
	const unsigned char *p;
	const char *tail;
	size_t i, n;
	int cs;

	if (*h == '\0')
		return "empty hash";
	if (*h == '!' || *h == '*')
		return "locked or disabled hash (starts with '!' or '*')";
	if ((n = strlen(h)) >= MU_HASH_MAX)
		return "hash too long";
	for (p = (const unsigned char *)h; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == ':')
			return "bad character in the hash";
	if (strcmp(mu_hash_method_name(h), "invalid") == 0)
		return "unknown hash method (not a crypt(3) string)";
	cs = crypt_checksalt(h);
	if (cs == CRYPT_SALT_INVALID)
		return "hash method unknown to this system's libxcrypt";
	if (cs == CRYPT_SALT_METHOD_DISABLED)
		return "hash method disabled in this system's libxcrypt";
	tail = strrchr(h, '$');
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++)
		if (strncmp(h, tails[i].prefix, strlen(tails[i].prefix)) == 0 &&
		    (tail == NULL || strlen(tail + 1) != tails[i].len ||
		     strspn(tail + 1, B64) != tails[i].len))
			return "malformed hash (wrong length for its method)";
	/* "_" + 4 characters of rounds + 4 of salt + 11 of hash */
	if (*h == '_' && (n != 20 || strspn(h + 1, B64) != 19))
		return "malformed hash (wrong length for its method)";
	/* "$3$$" + 32 lowercase hex digits */
	if (strncmp(h, "$3$", 3) == 0 &&
	    (n != 36 || h[3] != '$' ||
	     strspn(h + 4, "0123456789abcdef") != 32))
		return "malformed hash (wrong length for its method)";
	return NULL;
}

/* The crypt string of a Dovecot password field, or NULL with *why. */
static char *
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

/* ---- one line ---------------------------------------------------------- */

void
import_parser_init(struct import_parser *p, enum import_fmt fmt,
		   const char *bare, unsigned canon_flags, bool allow_weak)
{
	memset(p, 0, sizeof(*p));
	p->fmt = fmt;
	p->bare = bare != NULL ? bare : "";
	p->canon_flags = canon_flags;
	p->allow_weak = allow_weak;
}

/* The csv header, "address,hash" or "address,password" (any case). */
static int
csv_header(struct import_parser *p, char **f, int n, const char **why)
{
	if (n == 2 && strcasecmp(f[0], "address") == 0 &&
	    (strcasecmp(f[1], "hash") == 0 ||
	     strcasecmp(f[1], "password") == 0)) {
		p->csv_password = strcasecmp(f[1], "password") == 0;
		p->header_seen = true;
		return IMPORT_SKIP;
	}
	*why = "the first line must be the header \"address,hash\" or "
	       "\"address,password\"";
	return IMPORT_FATAL;
}

/* Split the line into fields: the number of fields, or a result
 * (IMPORT_SKIP, IMPORT_BAD, IMPORT_FATAL) as a negative number. */
static int
fields_of(struct import_parser *p, char *line, char **f, const char **why)
{
	int n, max;

	if (p->fmt == IMPORT_CSV) {
		if ((n = split_csv(line, f, why)) < 0)
			return -IMPORT_BAD;
		if (!p->header_seen)
			return -csv_header(p, f, n, why);
		max = 2;
	} else {
		if (line[0] == '#')
			return -IMPORT_SKIP;	/* a comment, as Dovecot has */
		n = split(line, ':', f);
		/* Dovecot: user:password[:uid:gid:gecos:home:shell:extra],
		 * extra fields may hold more colons */
		max = p->fmt == IMPORT_DOVECOT ? INT32_MAX : 2;
	}
	if (n < 2 || n > max) {
		*why = p->fmt == IMPORT_DOVECOT ?
		    "wrong field count (expected user:password[:...])" :
		    p->fmt == IMPORT_CSV ? "wrong field count (expected 2)" :
		    "wrong field count (expected user:hash)";
		return -IMPORT_BAD;
	}
	return n;
}

int
import_parse_line(struct import_parser *p, char *line, size_t len,
		  struct import_rec *rec, const char **why)
{
	char *f[MAX_FIELDS], *h;
	const char *w = NULL;
	int n;

	memset(rec, 0, sizeof(*rec));
	*why = NULL;
	if (len > IMPORT_LINE_MAX) {	/* perhaps cut: never parsed */
		p->lines++;
		*why = "line too long (over 4096 bytes)";
		return IMPORT_BAD;
	}
	if (p->lines++ == 0 && p->fmt == IMPORT_CSV && len >= 3 &&
	    memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;	/* a byte order mark */
		len -= 3;
	}
	if (memchr(line, '\0', len) != NULL) {
		*why = "NUL byte in the line";
		return IMPORT_BAD;
	}
	if (len == 0)
		return IMPORT_SKIP;	/* blank lines are skipped */
	if (!mu_utf8_valid(line, len)) {
		*why = "not valid UTF-8";
		return IMPORT_BAD;
	}
	if ((n = fields_of(p, line, f, why)) < 0)
		return -n;
	if (strchr(f[0], '@') == NULL && p->bare[0] == '\0') {
		rec->who = f[0];
		*why = "name without @domain (use --domain)";
		return IMPORT_BAD;
	}
	if (mu_canon(f[0], p->bare, p->canon_flags, rec->name, &w) != MU_OK) {
		rec->name[0] = '\0';
		rec->who = f[0];
		*why = w != NULL ? w : "invalid name";
		return IMPORT_BAD;
	}
	rec->who = rec->name;
	if (p->fmt == IMPORT_CSV && p->csv_password) {
		rec->secret = f[1];
		rec->is_password = true;
		return IMPORT_USER;
	}
	h = f[1];
	if (p->fmt == IMPORT_DOVECOT && (h = dovecot_hash(f[1], why)) == NULL)
		return IMPORT_BAD;
	if ((*why = import_hash_problem(h)) != NULL ||
	    (!p->allow_weak && (*why = weak_line(h)) != NULL))
		return IMPORT_BAD;
	rec->secret = h;
	return IMPORT_USER;
}
