/*
 * Tag lists of DKIM key records and DMARC records (RFC 6376 3.2:
 * "tag=value; tag=value"), and the base64 of DKIM keys.
 */
#ifndef CHK_TAGS_H
#define CHK_TAGS_H

#include <stdbool.h>
#include <stddef.h>

#define TAGS_MAX 32

struct tag {
	char name[32];
	char *value;	/* blanks around it removed; inner ones kept */
};

struct tags {
	struct tag t[TAGS_MAX];
	size_t n;
};

/* Parse s.  0, or -1 with a one-line reason in err: a tag name that is
 * not ALPHA *(ALNUM / "_"), a missing "=", a byte outside the value
 * syntax, a tag given twice, more than TAGS_MAX tags.  The tags are
 * freed with tags_free() in both cases. */
int tags_parse(const char *s, struct tags *out, char *err, size_t errlen);
void tags_free(struct tags *t);

/* The value of tag name (case-sensitive, as the RFCs say), or NULL. */
const char *tags_get(const struct tags *t, const char *name);

/* Decode base64, ignoring blanks (space, tab, CR, LF); padding
 * optional at the end only.  Returns the number of bytes written to out
 * (at most outlen), or -1 on a bad character, bad padding, or an output
 * longer than outlen. */
long b64_decode(const char *s, unsigned char *out, size_t outlen);

#endif
