/* Identity rules: canonical "local@domain" names. */
#ifndef MU_USERNAME_H
#define MU_USERNAME_H

#include <stdbool.h>
#include <stddef.h>

#define MU_NAME_MAX 320		/* whole address, bytes */
#define MU_LOCAL_MAX 64		/* local part, bytes */
#define MU_DOMAIN_MAX 253	/* domain, bytes */

/*
 * Canonicalise a login name into out (MU_NAME_MAX + 1 bytes; out must not
 * be NULL).  default_domain (may be NULL or "") is appended to a name
 * without '@'.
 *
 * The domain becomes its IDNA form (see mu_canon_domain).  The local part
 * must be printable ASCII unless flags hold MU_CANON_UTF8_LOCAL; then a
 * UTF-8 local part is normalised to NFC and must not hold separators,
 * invisible (format), unassigned or private-use characters, nor letters
 * of more than one script (Common and Inherited characters go with any;
 * Han with kana, Hangul or Bopomofo counts as one).  With
 * MU_CANON_LOWER_LOCAL the local part is lowercased: ASCII by hand,
 * UTF-8 with the locale-independent Unicode mapping.
 *
 * Refused, with MU_E_BADNAME: empty parts, more than one '@', input over
 * 320 bytes, control bytes, spaces, invalid UTF-8, the characters
 * : / \ " and a local part starting or ending with '.' or holding "..",
 * and a local part over 64 bytes or a domain over 253 once canonical.
 * MU_E_NOMEM when memory runs out.  On any error out is "" and *why (if
 * why is not NULL) points to static text saying which rule failed.
 */
int mu_canon(const char *in, const char *default_domain, unsigned flags,
	     char *out, const char **why);

/* flags of mu_canon (mu_config_canon_flags gives a configuration's) */
#define MU_CANON_LOWER_LOCAL	0x1	/* lowercase the local part */
#define MU_CANON_UTF8_LOCAL	0x2	/* allow UTF-8 local parts */

/*
 * Validate a domain name (NULL is refused) and write its canonical form
 * into out (MU_DOMAIN_MAX + 1 bytes, not NULL).  ASCII letters are
 * lowercased.  A domain holding non-ASCII or an "xn--" label goes
 * through libidn2's IDNA2008 lookup: NFC input, UTS #46 non-transitional
 * mapping (so sharp s stays, and upper case and full-width forms map
 * to plain lower case), and A-labels are checked by decoding them; the
 * result is its A-labels.  The canonical form must be dot-separated
 * labels of 1 to 63 letters, digits or '-' (no label starting or ending
 * with '-'), 253 bytes at most.  Returns MU_OK, MU_E_BADNAME or
 * MU_E_NOMEM as mu_canon does, with out "" and *why set on error.
 */
int mu_canon_domain(const char *in, char *out, const char **why);

/* True when the n bytes at s are valid UTF-8 (shortest forms, no
 * surrogates, nothing above U+10FFFF). */
bool mu_utf8_valid(const char *s, size_t n);

#endif
