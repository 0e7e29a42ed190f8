/* The source of a login, as the key of its failure counters. */
#ifndef MU_SOURCE_H
#define MU_SOURCE_H

#include <stddef.h>

#define MU_SOURCE_MAX 255	/* bytes of a source key */
#define MU_SOURCE_UNKNOWN "unknown"	/* no PAM_RHOST (saslauthd) */
#define MU_SOURCE_ALL ""	/* the row that locks every source */
#define MU_NAME_PREFIX "name:"	/* a PAM_RHOST that is not an address */

/*
 * Normalise rhost (PAM_RHOST as the caller set it; NULL or "" when it
 * set none) into the key of the per-source counters, into out (at least
 * MU_SOURCE_MAX + 1 bytes):
 *   - none: MU_SOURCE_UNKNOWN;
 *   - an IPv4 address in dotted decimal (leading zeros allowed, read as
 *     decimal): "a.b.c.d";
 *   - an IPv6 address (optionally in brackets, a %zone suffix ignored):
 *     an IPv4-mapped one (::ffff:a.b.c.d) is the IPv4 address; any other
 *     is cut to its first ipv6_prefix bits (16 to 128) and written in the
 *     canonical text of RFC 5952, with "/N" when N < 128, so that every
 *     address of one /64 (the default) is one source;
 *   - anything else (a host name) is never taken for an address: it is
 *     MU_NAME_PREFIX followed by the text, ASCII-lowercased, with bytes
 *     outside printable ASCII as '?', cut to fit.
 * Returns out.  Never fails: every input gives a key.
 */
char *mu_source_norm(const char *rhost, unsigned ipv6_prefix, char *out,
		     size_t outsz);

#endif
