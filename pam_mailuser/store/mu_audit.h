/* The audit table: who changed what.  Never a password or a hash. */
#ifndef MU_AUDIT_H
#define MU_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "mu_store.h"

/* Insert one audit row: at = now, uid = getuid(), actor = the login name
 * (through sudo too) or else the name of uid, and the given tool, action,
 * account and detail (account and detail may be NULL).  Call it inside
 * the change's transaction.  MU_OK or MU_E_STORE. */
int mu_audit_add(struct mu_store *st, const char *tool, const char *action,
		 const char *account, const char *detail);
/* ... and the new row's id in *id (may be NULL). */
int mu_audit_add_id(struct mu_store *st, const char *tool, const char *action,
		    const char *account, const char *detail, int64_t *id);
/* The actor of an audit row (actorsz bytes, "" when unknown). */
void mu_audit_actor(char *actor, size_t actorsz);

#endif
