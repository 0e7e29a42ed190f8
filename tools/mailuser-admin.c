/*
 * mailuser-admin: manage the pam_mailuser store.
 *
 * main() reads the global options and the configuration, then walks the
 * verb tables: "user add" is the verb "add" in the table of "user".  The
 * leaf verb's own options are parsed here too, from one table of long
 * options, and refused when the verb's mask does not allow them.
 */
#define _GNU_SOURCE		/* program_invocation_short_name */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "mu_error.h"

/* The SYNOPSIS of mailuser-admin(8), line for line. */
static const char *const synopsis[] = {
	"[-c conf] [-d db] command [argument ...]",
	"--help | --version",
	"init [--group group] [--mode mode]",
	"check",
	"migrate",
	"domain add | enable | disable domain",
	"domain del [--cascade] domain",
	"domain list [--json]",
	"domain set [--max-days days] [--min-days days] [--warn-days days]"
	    " [--grace-days days] domain",
	"user add [--force] [--must-change] [--password-stdin |"
	    " --password-file file | --generate [--length length]] user",
	"user passwd [--force] [--password-stdin | --password-file file] user",
	"user del | enable | disable user",
	"user expire user date | never",
	"user list [--json] [domain]",
	"user show [--json] user",
	"user lock --reason text user",
	"user unlock user",
	"user rename old new",
	"user force-change user",
	"user set [--max-days days] [--min-days days] [--warn-days days]"
	    " [--grace-days days] user",
	"hash [--force] [--method method] [--cost cost] [--password-stdin |"
	    " --password-file file]",
	"failures [--json] [user]",
	"unlock [--source address] user",
	"import --format format [--domain domain] [--create-domains]"
	    " [--dry-run] [--continue] [--force] [--allow-weak] file | -",
	"export --format format [--domain domain]",
	"copy --to db",
	"audit [--json] [--since date] [--user user]",
	"audit prune --before date",
	"stats [--json]",
	"policy show [--json]",
	"expiring [--json] days",
	"limit set (--domain domain | --user user) [--messages-per-hour n]"
	    " [--recipients-per-hour n] [--recipients-per-day n]",
	"limit show [--json] [domain | user]",
	"sending [--json] [user]",
	"sending reset user",
};

/* Print the synopsis to f.  When verb is not NULL, only the lines of its
 * first word ("user" for "user add") are shown. */
static void
print_usage(FILE *f, const char *verb)
{
	const char *name = program_invocation_short_name;
	size_t i, len = verb != NULL ? strcspn(verb, " ") : 0;
	bool first = true;

	for (i = 0; i < sizeof(synopsis) / sizeof(synopsis[0]); i++) {
		if (verb != NULL && i > 0 &&
		    (strncmp(synopsis[i], verb, len) != 0 ||
		     (synopsis[i][len] != ' ' && synopsis[i][len] != '\0')))
			continue;
		fprintf(f, "%s %s %s\n", first ? "usage:" : "      ",
			name, synopsis[i]);
		first = false;
	}
}

void
usage(const char *verb)
{
	print_usage(stderr, verb);
	exit(EXIT_USAGE);
}

/* --help: the synopsis on standard output, exit 0. */
static void __attribute__((noreturn))
help(const char *verb)
{
	print_usage(stdout, verb);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "standard output");
	exit(0);
}

static bool
is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

static void
log_stderr(void *arg, int prio, const char *fmt, va_list ap)
{
	(void)arg;
	(void)prio;
	fprintf(stderr, "%s: ", program_invocation_short_name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static const struct verb domain_verbs[] = {
	{ "add", cmd_domain_add, NULL, 0, 1, 1 },
	{ "del", cmd_domain_del, NULL, OPT_CASCADE, 1, 1 },
	{ "list", cmd_domain_list, NULL, OPT_JSON, 0, 0 },
	{ "enable", cmd_domain_enable, NULL, 0, 1, 1 },
	{ "disable", cmd_domain_disable, NULL, 0, 1, 1 },
	{ "set", cmd_domain_set, NULL, OPT_AGING, 1, 1 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

static const struct verb user_verbs[] = {
	{ "add", cmd_user_add, NULL, OPT_PASSWORD | OPT_GENERATE, 1, 1 },
	{ "del", cmd_user_del, NULL, 0, 1, 1 },
	{ "list", cmd_user_list, NULL, OPT_JSON, 0, 1 },
	{ "show", cmd_user_show, NULL, OPT_JSON, 1, 1 },
	{ "passwd", cmd_user_passwd, NULL, OPT_PASSWORD, 1, 1 },
	{ "enable", cmd_user_enable, NULL, 0, 1, 1 },
	{ "disable", cmd_user_disable, NULL, 0, 1, 1 },
	{ "expire", cmd_user_expire, NULL, 0, 2, 2 },
	{ "lock", cmd_user_lock, NULL, OPT_REASON, 1, 1 },
	{ "unlock", cmd_user_unlock, NULL, 0, 1, 1 },
	{ "rename", cmd_user_rename, NULL, 0, 2, 2 },
	{ "force-change", cmd_user_force_change, NULL, 0, 1, 1 },
	{ "set", cmd_user_set, NULL, OPT_AGING, 1, 1 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

static const struct verb policy_verbs[] = {
	{ "show", cmd_policy_show, NULL, OPT_JSON, 0, 0 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

static const struct verb limit_verbs[] = {
	{ "set", cmd_limit_set, NULL, OPT_LIMIT, 0, 0 },
	{ "show", cmd_limit_show, NULL, OPT_JSON, 0, 1 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

static const struct verb sending_verbs[] = {
	{ "reset", cmd_sending_reset, NULL, 0, 1, 1 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

static const struct verb audit_verbs[] = {
	{ "prune", cmd_audit_prune, NULL, OPT_BEFORE, 0, 0 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

static const struct verb verbs[] = {
	{ "init", cmd_init, NULL, OPT_INIT, 0, 0 },
	{ "check", cmd_check, NULL, 0, 0, 0 },
	{ "migrate", cmd_migrate, NULL, 0, 0, 0 },
	{ "domain", NULL, domain_verbs, 0, 0, 0 },
	{ "user", NULL, user_verbs, 0, 0, 0 },
	{ "hash", cmd_hash, NULL, OPT_HASH | OPT_PASSWORD, 0, 0 },
	{ "failures", cmd_failures, NULL, OPT_JSON, 0, 1 },
	{ "unlock", cmd_unlock, NULL, OPT_SOURCE, 1, 1 },
	{ "import", cmd_import, NULL, OPT_FORMAT | OPT_IMPORT, 1, 1 },
	{ "export", cmd_export, NULL, OPT_FORMAT, 0, 0 },
	{ "copy", cmd_copy, NULL, OPT_COPY, 0, 0 },
	/* "audit prune" descends; plain "audit" lists */
	{ "audit", cmd_audit, audit_verbs, OPT_JSON | OPT_AUDIT, 0, 0 },
	{ "stats", cmd_stats, NULL, OPT_JSON, 0, 0 },
	{ "policy", NULL, policy_verbs, 0, 0, 0 },
	{ "expiring", cmd_expiring, NULL, OPT_JSON, 1, 1 },
	{ "limit", NULL, limit_verbs, 0, 0, 0 },
	/* "sending reset" descends; plain "sending" reports */
	{ "sending", cmd_sending, sending_verbs, OPT_JSON, 0, 1 },
	{ NULL, NULL, NULL, 0, 0, 0 },
};

enum {
	LO_JSON = 256, LO_PW_STDIN, LO_PW_FILE, LO_FORCE, LO_GROUP, LO_MODE,
	LO_METHOD, LO_COST, LO_HELP,
};

/* Options of the lifecycle and lockout commands. */
enum {
	LO_FORMAT = 512, LO_DOMAIN, LO_CREATE_DOMAINS, LO_DRY_RUN,
	LO_CONTINUE, LO_SINCE, LO_USER, LO_BEFORE, LO_SOURCE, LO_REASON,
	LO_GENERATE, LO_LENGTH, LO_MUST_CHANGE, LO_CASCADE, LO_ALLOW_WEAK,
	LO_TO,
};

/* Aging options, in the order of opts.aging. */
enum { LO_MAX_DAYS = 768, LO_MIN_DAYS, LO_WARN_DAYS, LO_GRACE_DAYS };

/* Sending limits, in the order of opts.limits. */
enum { LO_MSGS_HOUR = 1024, LO_RCPTS_HOUR, LO_RCPTS_DAY };

static const struct option longopts[] = {
	{ "help", no_argument, NULL, LO_HELP },
	{ "json", no_argument, NULL, LO_JSON },
	{ "password-stdin", no_argument, NULL, LO_PW_STDIN },
	{ "password-file", required_argument, NULL, LO_PW_FILE },
	{ "force", no_argument, NULL, LO_FORCE },
	{ "group", required_argument, NULL, LO_GROUP },
	{ "mode", required_argument, NULL, LO_MODE },
	{ "method", required_argument, NULL, LO_METHOD },
	{ "cost", required_argument, NULL, LO_COST },
	{ "format", required_argument, NULL, LO_FORMAT },
	{ "domain", required_argument, NULL, LO_DOMAIN },
	{ "create-domains", no_argument, NULL, LO_CREATE_DOMAINS },
	{ "dry-run", no_argument, NULL, LO_DRY_RUN },
	{ "continue", no_argument, NULL, LO_CONTINUE },
	{ "since", required_argument, NULL, LO_SINCE },
	{ "user", required_argument, NULL, LO_USER },
	{ "before", required_argument, NULL, LO_BEFORE },
	{ "source", required_argument, NULL, LO_SOURCE },
	{ "reason", required_argument, NULL, LO_REASON },
	{ "generate", no_argument, NULL, LO_GENERATE },
	{ "length", required_argument, NULL, LO_LENGTH },
	{ "must-change", no_argument, NULL, LO_MUST_CHANGE },
	{ "cascade", no_argument, NULL, LO_CASCADE },
	{ "allow-weak", no_argument, NULL, LO_ALLOW_WEAK },
	{ "to", required_argument, NULL, LO_TO },
	{ "max-days", required_argument, NULL, LO_MAX_DAYS },
	{ "min-days", required_argument, NULL, LO_MIN_DAYS },
	{ "warn-days", required_argument, NULL, LO_WARN_DAYS },
	{ "grace-days", required_argument, NULL, LO_GRACE_DAYS },
	{ "messages-per-hour", required_argument, NULL, LO_MSGS_HOUR },
	{ "recipients-per-hour", required_argument, NULL, LO_RCPTS_HOUR },
	{ "recipients-per-day", required_argument, NULL, LO_RCPTS_DAY },
	{ NULL, 0, NULL, 0 },
};

/* Which mask bit allows a long option. */
static int
opt_mask(int c)
{
	switch (c) {
	case LO_HELP:
		return ~0;	/* every verb */
	case LO_JSON:
		return OPT_JSON;
	case LO_PW_STDIN:
	case LO_PW_FILE:
	case LO_FORCE:
		return OPT_PASSWORD | OPT_IMPORT;
	case LO_FORMAT:
		return OPT_FORMAT;
	case LO_DOMAIN:
		return OPT_FORMAT | OPT_LIMIT;
	case LO_MSGS_HOUR:
	case LO_RCPTS_HOUR:
	case LO_RCPTS_DAY:
		return OPT_LIMIT;
	case LO_CREATE_DOMAINS:
	case LO_DRY_RUN:
	case LO_CONTINUE:
	case LO_ALLOW_WEAK:
		return OPT_IMPORT;
	case LO_SINCE:
		return OPT_AUDIT;
	case LO_USER:
		return OPT_AUDIT | OPT_LIMIT;
	case LO_BEFORE:
		return OPT_BEFORE;
	case LO_SOURCE:
		return OPT_SOURCE;
	case LO_REASON:
		return OPT_REASON;
	case LO_GENERATE:
	case LO_LENGTH:
	case LO_MUST_CHANGE:
		return OPT_GENERATE;
	case LO_CASCADE:
		return OPT_CASCADE;
	case LO_TO:
		return OPT_COPY;
	case LO_MAX_DAYS:
	case LO_MIN_DAYS:
	case LO_WARN_DAYS:
	case LO_GRACE_DAYS:
		return OPT_AGING;
	case LO_GROUP:
	case LO_MODE:
		return OPT_INIT;
	case LO_METHOD:
	case LO_COST:
		return OPT_HASH;
	}
	return 0;
}

/* Parse the options of a leaf verb (argv[0] is the verb) into o; returns
 * the index of the first positional argument.  There is deliberately no
 * option that takes a password. */
static int
parse_opts(const struct verb *v, const char *path, int argc, char **argv,
	   struct opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;		/* GNU: start afresh on this vector */
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == '?' || (opt_mask(c) & v->opts) == 0) {
			if (c != '?')
				warnx("%s: option %s not allowed", path,
				      argv[optind - 1]);
			usage(path);
		}
		switch (c) {
		case LO_HELP:
			help(path);
		case LO_JSON:
			o->json = true;
			break;
		case LO_PW_STDIN:
		case LO_PW_FILE:
			if (o->pw_src != PW_PROMPT)
				errx(EXIT_USAGE, "--password-stdin and "
				     "--password-file exclude each other");
			o->pw_src = c == LO_PW_STDIN ? PW_STDIN : PW_FILE;
			o->pw_file = optarg;
			break;
		case LO_FORCE:
			o->force = true;
			break;
		case LO_MAX_DAYS:
		case LO_MIN_DAYS:
		case LO_WARN_DAYS:
		case LO_GRACE_DAYS:
			o->aging[c - LO_MAX_DAYS] = optarg;
			break;
		case LO_MSGS_HOUR:
		case LO_RCPTS_HOUR:
		case LO_RCPTS_DAY:
			o->limits[c - LO_MSGS_HOUR] = optarg;
			break;
		case LO_GROUP:
			o->group = optarg;
			break;
		case LO_MODE:
			o->mode = optarg;
			break;
		case LO_METHOD:
			o->method = optarg;
			break;
		case LO_COST:
			o->cost = optarg;
			break;
		case LO_FORMAT:
			o->format = optarg;
			break;
		case LO_DOMAIN:
			o->domain = optarg;
			break;
		case LO_CREATE_DOMAINS:
			o->create_domains = true;
			break;
		case LO_DRY_RUN:
			o->dry_run = true;
			break;
		case LO_CONTINUE:
			o->cont = true;
			break;
		case LO_ALLOW_WEAK:
			o->allow_weak = true;
			break;
		case LO_SINCE:
			o->since = optarg;
			break;
		case LO_USER:
			o->user = optarg;
			break;
		case LO_BEFORE:
			o->before = optarg;
			break;
		case LO_SOURCE:
			o->source = optarg;
			break;
		case LO_REASON:
			o->reason = optarg;
			break;
		case LO_GENERATE:
			o->generate = true;
			break;
		case LO_LENGTH:
			o->length = optarg;
			break;
		case LO_MUST_CHANGE:
			o->must_change = true;
			break;
		case LO_CASCADE:
			o->cascade = true;
			break;
		case LO_TO:
			o->to = optarg;
			break;
		}
	}
	return optind;
}

static bool
has_verb(const struct verb *table, const char *name)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return true;
	return false;
}

/* Find argv[0] in table and run it, descending into sub-tables. */
static void
dispatch(struct admin *a, const struct verb *table, const char *parent,
	 int argc, char **argv)
{
	const struct verb *v;
	char path[64];
	int first, n;

	if (argc < 1) {
		if (parent != NULL)
			warnx("%s: missing command", parent);
		usage(parent);
	}
	if (is_help(argv[0]))
		help(parent);
	for (v = table; v->name != NULL; v++)
		if (strcmp(v->name, argv[0]) == 0)
			break;
	if (v->name == NULL) {
		warnx("unknown command \"%s%s%s\"", parent != NULL ? parent :
		      "", parent != NULL ? " " : "", argv[0]);
		usage(parent);
	}
	snprintf(path, sizeof(path), "%s%s%s", parent != NULL ? parent : "",
		 parent != NULL ? " " : "", v->name);
	/* A verb with both a function and sub-verbs ("audit", "audit
	 * prune") descends only when the next word names a sub-verb. */
	if (v->sub != NULL && (v->fn == NULL ||
			       (argc > 1 && has_verb(v->sub, argv[1])))) {
		dispatch(a, v->sub, path, argc - 1, argv + 1);
		return;
	}
	first = parse_opts(v, path, argc, argv, &a->o);
	n = argc - first;
	if (n < v->min_args || n > v->max_args) {
		warnx("%s: %s arguments", path,
		      n < v->min_args ? "missing" : "too many");
		usage(path);
	}
	v->fn(a, n, argv + first);
}

static struct admin *exiting;

static void
at_exit(void)
{
	if (exiting != NULL)
		admin_close(exiting);
}

int
main(int argc, char *argv[])
{
	static struct admin a;
	static const struct option global[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = NULL, *db = NULL;
	int c;

	a.log.fn = log_stderr;
	exiting = &a;
	if (atexit(at_exit) != 0)
		errx(1, "atexit failed");
	/* "+": stop at the command; its options are its own */
	while ((c = getopt_long(argc, argv, "+c:d:hV", global, NULL)) != -1) {
		switch (c) {
		case 'h':
			help(NULL);
		case 'V':
			printf("%s %s\n", program_invocation_short_name,
			       MU_VERSION);
			if (fflush(stdout) != 0 || ferror(stdout))
				err(1, "standard output");
			return 0;
		case 'c':
			conf = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		default:
			usage(NULL);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage(NULL);

	mu_config_defaults(&a.cfg);
	a.conf_path = conf != NULL ? conf : MU_CONF_DEFAULT;
	if (mu_config_load(&a.cfg, conf != NULL ? conf : MU_CONF_DEFAULT,
			   conf != NULL, &a.log) != MU_OK)
		exit(1);	/* the core said why */
	if (db != NULL) {
		if (*db == '\0' || strlen(db) >= sizeof(a.cfg.db))
			errx(EXIT_USAGE, "-d: empty or too long path");
		memcpy(a.cfg.db, db, strlen(db) + 1);
	}
	if (mu_config_finish(&a.cfg, &a.log) != MU_OK)
		exit(1);
	a.log.debug = a.cfg.debug;
	password_policy(&a);

	dispatch(&a, verbs, NULL, argc, argv);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "standard output");
	return 0;
}
