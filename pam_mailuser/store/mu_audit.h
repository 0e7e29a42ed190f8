/* The audit table: who changed what.  Never a password or a hash. */
#ifndef MU_AUDIT_H
#define MU_AUDIT_H

struct sqlite3;

/* Insert one audit row: at = now, uid = getuid(), actor = the login name
 * of the caller (getlogin_r; else the name of uid; else NULL), and tool,
 * action, account, detail
 * as given (account and detail may be NULL).  Runs inside the caller's
 * transaction if one is open.  MU_OK or MU_E_STORE (the caller logs). */
int mu_audit_add(struct sqlite3 *db, const char *tool, const char *action,
		 const char *account, const char *detail);

#endif
