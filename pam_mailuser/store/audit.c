#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "mu_audit.h"
#include "mu_error.h"

int
mu_audit_add(sqlite3 *db, const char *tool, const char *action,
	     const char *account, const char *detail)
{
	static const char sql[] =
	    "INSERT INTO audit (at, uid, actor, tool, action, account, detail)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	char actor[256], buf[1024];
	struct passwd pwd, *pw = NULL;
	sqlite3_stmt *s = NULL;
	int rc;

	/* who logged in (through sudo too), else whom the process runs as */
	if (getlogin_r(actor, sizeof(actor)) != 0) {
		actor[0] = '\0';
		if (getpwuid_r(getuid(), &pwd, buf, sizeof(buf), &pw) == 0 &&
		    pw != NULL)
			snprintf(actor, sizeof(actor), "%s", pw->pw_name);
	}
	rc = sqlite3_prepare_v2(db, sql, sizeof(sql), &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 1, (sqlite3_int64)time(NULL));
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(s, 2, (sqlite3_int64)getuid());
	if (rc == SQLITE_OK)
		rc = actor[0] != '\0' ?
		    sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC) :
		    sqlite3_bind_null(s, 3);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 4, tool, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 5, action, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)	/* NULL binds NULL */
		rc = sqlite3_bind_text(s, 6, account, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(s, 7, detail, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? MU_OK : MU_E_STORE;
}
