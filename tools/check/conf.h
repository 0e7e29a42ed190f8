/* The [check] section of mailuser.conf (conf.c). */
#ifndef CHK_CONF_H
#define CHK_CONF_H

#include "checks.h"

/* Read path's [check] section into in.  A missing file is not an error
 * unless must_exist.  0, or -1 with "path:line: reason" in err. */
int conf_read(struct inputs *in, const char *path, bool must_exist,
	      char *err, size_t errlen);

/* Set one option, as the [check] key of that name would (lists grow;
 * value is changed in place).  0, or -1 with the reason in err. */
int conf_set(struct inputs *in, const char *key, char *value, char *err,
	     size_t errlen);

void inputs_free(struct inputs *in);

#endif
