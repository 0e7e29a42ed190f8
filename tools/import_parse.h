/*
 * import_parse: one line of an import file (pwdfile, dovecot, csv) read
 * into a user record, and the checks of a stored crypt string, with no
 * store and no SQLite: the part of "mailuser-admin import" that sees
 * untrusted bytes, callable on its own (tests, fuzzing).  It uses the
 * core's mu_canon, mu_utf8_valid and mu_hash_method_name, and libxcrypt's
 * crypt_checksalt; it allocates nothing and prints nothing.
 *
 * What stays with the caller (tools/admin_import.c): reading lines, the
 * store (domains, existing users, duplicates), the quality check and the
 * hashing of csv passwords, and the messages.
 */
#ifndef IMPORT_PARSE_H
#define IMPORT_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "mu_username.h"

#define IMPORT_LINE_MAX 4096	/* bytes of one line, without its end */

enum import_fmt { IMPORT_PWDFILE, IMPORT_DOVECOT, IMPORT_CSV };

/* The state of one file: set by import_parser_init, then kept by
 * import_parse_line from one line to the next. */
struct import_parser {
	enum import_fmt fmt;
	const char *bare;	/* domain of names without '@'; "" for none */
	unsigned canon_flags;	/* mu_canon flags (mu_config_canon_flags) */
	bool allow_weak;	/* accept the weak methods (import_hash_weak) */
	unsigned long lines;	/* lines seen so far */
	bool header_seen;	/* csv: the header line was read */
	bool csv_password;	/* csv: its second column is a password */
};

/* One user of a line. */
struct import_rec {
	char name[MU_NAME_MAX + 1];	/* canonical name ("" on a bad line
					 * whose name was not accepted) */
	const char *who;	/* on IMPORT_BAD: the name the reason is about
				 * (the field as written when mu_canon refused
				 * it, else the canonical name), NULL when the
				 * line has none; not escaped */
	char *secret;		/* on IMPORT_USER: the crypt string, or the
				 * password when is_password; points into the
				 * line */
	bool is_password;	/* csv "address,password": secret is a
				 * password in clear text */
};

enum import_result {
	IMPORT_USER,		/* a user: rec->name and rec->secret */
	IMPORT_SKIP,		/* a blank line, a comment, the csv header */
	IMPORT_BAD,		/* a bad line: *why, and rec->who */
	IMPORT_FATAL,		/* the csv file does not start with its
				 * header: *why; the file cannot be read */
};

/* Start a file of format fmt.  bare may be NULL (no domain for names
 * without '@').  The parser keeps the pointer bare, not a copy. */
void import_parser_init(struct import_parser *p, enum import_fmt fmt,
			const char *bare, unsigned canon_flags,
			bool allow_weak);

/*
 * Parse one line of p's file: the len bytes at line, without the line
 * end (a trailing CR is the caller's to remove), followed by a NUL at
 * line[len]; they may hold any bytes, NUL included.  len may exceed
 * IMPORT_LINE_MAX (a line that was cut: it is refused as too long, its
 * byte order mark included), but line must hold len + 1 bytes.
 *
 * The line is split in place (fields are NUL-terminated inside it), so
 * it must be writable; rec->secret points into it and is valid while the
 * line is.  A csv password is in the line: the caller wipes the line.
 *
 * Checks, in order: length, NUL bytes, UTF-8, field count (and RFC 4180
 * quoting in csv), the name (mu_canon with p->bare and p->canon_flags),
 * the Dovecot {SCHEME} prefix, then for a hash import_hash_problem and,
 * unless p->allow_weak, import_hash_weak.  Not checked here: whether the
 * domain or the user exists, duplicates, and the quality of a csv
 * password.  A UTF-8 byte order mark at the start of a csv file's first
 * line is skipped.
 *
 * Returns an enum import_result.  *why, on IMPORT_BAD and IMPORT_FATAL,
 * is printable ASCII text (static, or in a static buffer overwritten by
 * the next call) that never holds the secret.
 */
int import_parse_line(struct import_parser *p, char *line, size_t len,
		      struct import_rec *rec, const char **why);

/*
 * Why the crypt string h can never be stored or verified, or NULL when
 * it can: empty, locked ('!' or '*' first), too long, a byte outside
 * printable ASCII or a ':', a method that neither mu_hash_method_name
 * nor this system's libxcrypt knows (or that libxcrypt has disabled),
 * or a hash of the wrong length or alphabet for its method (a cut-off
 * hash).  Static text.  h must not be NULL.
 */
const char *import_hash_problem(const char *h);

/*
 * When h is of a weak method, its mu_hash_method_name and in *why (if
 * why is not NULL) static text saying why; NULL otherwise.  Weak are:
 * traditional DES crypt (descrypt: only the first 8 characters of a
 * password count), bigcrypt (DES on each 8 characters), BSDi extended
 * DES (bsdicrypt, the "_" hashes) and the NT hash ($3$: unsalted MD4).
 */
const char *import_hash_weak(const char *h, const char **why);

#endif
