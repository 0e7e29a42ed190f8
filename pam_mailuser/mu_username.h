/* Identity rules: canonical "local@domain" names. */
#ifndef MU_USERNAME_H
#define MU_USERNAME_H

#include <stdbool.h>
#include <stddef.h>

#define MU_NAME_MAX 320		/* whole address, bytes */
#define MU_LOCAL_MAX 64		/* local part, bytes */
#define MU_DOMAIN_MAX 253	/* domain, bytes */

/* Canonicalise a login name into out (MU_NAME_MAX + 1 bytes).
 * default_domain (may be NULL or "") is appended to a name without '@';
 * the domain is always lowercased (ASCII), the local part when flags
 * hold MU_CANON_LOWER_LOCAL.  Refused, with MU_E_BADNAME: empty parts, more than
 * one '@', over the length caps, control bytes, spaces, invalid UTF-8,
 * the characters : / \ " and a local part starting or ending with '.' or
 * holding "..", and a domain that is not dot-separated labels of letters,
 * digits, '-' or non-ASCII UTF-8.  On MU_E_BADNAME, *why (if why is not
 * NULL) points to static text saying which rule failed. */
int mu_canon(const char *in, const char *default_domain, unsigned flags,
	     char *out, const char **why);

/* flags of mu_canon (mu_config_canon_flags gives a configuration's) */
#define MU_CANON_LOWER_LOCAL	0x1	/* lowercase the local part */
#define MU_CANON_UTF8_LOCAL	0x2	/* allow UTF-8 local parts */

/* Validate and lowercase a domain name into out (MU_DOMAIN_MAX + 1). */
int mu_canon_domain(const char *in, char *out, const char **why);

/* True when the n bytes at s are valid UTF-8 (shortest forms, no
 * surrogates, nothing above U+10FFFF). */
bool mu_utf8_valid(const char *s, size_t n);

#endif
