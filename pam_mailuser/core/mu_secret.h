/* Secret hygiene: wiping and constant-time comparison. */
#ifndef MU_SECRET_H
#define MU_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* Overwrite n bytes at p with zeros; never optimised away. p may be NULL. */
void mu_wipe(void *p, size_t n);

/* Wipe a NUL-terminated string and free it.  s may be NULL. */
void mu_free_secret(char *s);

/* True when a and b are equal strings.  Time depends only on the lengths,
 * never on where they differ.  NULL equals nothing. */
bool mu_ct_streq(const char *a, const char *b);

#endif
