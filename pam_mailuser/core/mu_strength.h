/* Quality checks of a new password: one function for the module and the
 * CLI. */
#ifndef MU_STRENGTH_H
#define MU_STRENGTH_H

#include <stddef.h>

#include "mu_hash.h"

#define MU_DICT_DEFAULT "/var/cache/cracklib/cracklib_dict"
#define MU_REMEMBER_MAX 100	/* largest remember= */

struct mu_pwcheck {
	unsigned long minlen;	/* bytes; the maximum is MU_PASS_MAX */
	const char *dictpath;	/* cracklib dictionary, without .pwd etc. */
	const char *name;	/* canonical local@domain */
	const char *current;	/* current hash, NULL or "" if none */
	const char (*history)[MU_HASH_MAX];	/* older hashes, newest first */
	size_t nhistory;
	const struct mu_method *method;	/* for the work on unusable hashes */
	unsigned long cost;
};

/* Check that the cracklib dictionary at path can be used: path.pwd,
 * path.pwi and path.hwm exist, are regular files and are readable.
 * MU_OK or MU_E_DICT with *why (static text). */
int mu_dict_check(const char *path, const char **why);

/* Check the new password pw for the user described by pc.  In order:
 * the dictionary is usable (MU_E_DICT), then the length (minlen to
 * MU_PASS_MAX bytes), the local part and every domain label of 3 or more
 * bytes not contained in it (ASCII case-insensitive), cracklib
 * FascistCheckUser with the local part as user, not the current password
 * and not one of history (each hash verified).  MU_OK, or MU_E_WEAK or
 * MU_E_DICT with *why pointing to static text that says why (cracklib's
 * own text for its refusals).  Never writes to stdout or stderr. */
int mu_strength_check(const struct mu_pwcheck *pc, const char *pw,
		      const char **why);

#endif
