#include <pwd.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "mu_audit.h"
#include "mu_db.h"
#include "mu_error.h"

void
mu_audit_actor(char *actor, size_t actorsz)
{
	struct passwd pwd, *pw = NULL;
	char buf[1024];

	/* who logged in (through sudo too), else whom the process runs as */
	if (getlogin_r(actor, actorsz) == 0)
		return;
	actor[0] = '\0';
	if (getpwuid_r(getuid(), &pwd, buf, sizeof(buf), &pw) == 0 &&
	    pw != NULL)
		snprintf(actor, actorsz, "%s", pw->pw_name);
}

int
mu_audit_add_id(struct mu_store *st, const char *tool, const char *action,
		const char *account, const char *detail, int64_t *id)
{
	static const char with_id[] =
	    "INSERT INTO audit (at, uid, actor, tool, action, account, detail)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
	/* without RETURNING: the module's database role may insert audit
	 * rows but not read them */
	static const char plain[] =
	    "INSERT INTO audit (at, uid, actor, tool, action, account, detail)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7)";
	char actor[256];
	int64_t now = (int64_t)time(NULL), uid = (int64_t)getuid();
	const char *who;

	mu_audit_actor(actor, sizeof(actor));
	who = actor[0] != '\0' ? actor : NULL;
	if (id == NULL)
		return mu_q(st, NULL, plain, "iittttt", now, uid, who, tool,
			    action, account, detail);
	return mu_q_int(st, id, NULL, with_id, "iittttt", now, uid, who, tool,
			action, account, detail);
}

int
mu_audit_add(struct mu_store *st, const char *tool, const char *action,
	     const char *account, const char *detail)
{
	return mu_audit_add_id(st, tool, action, account, detail, NULL);
}
