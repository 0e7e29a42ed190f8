#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mu_config.h"
#include "mu_error.h"
#include "mu_strength.h"

enum opt_type { T_BOOL, T_ULONG, T_PATH, T_DB, T_DOMAIN, T_METHOD };

/* Which origins may set an option. */
#define O_FILE 1
#define O_ARG 2
#define O_BOTH (O_FILE | O_ARG)

struct opt {
	const char *name;
	enum opt_type type;
	size_t off;
	size_t size;		/* string buffers */
	unsigned long min, max;	/* T_ULONG */
	int origins;
};

#define F(field) offsetof(struct mu_config, field), \
	sizeof(((struct mu_config *)0)->field)

static const struct opt opts[] = {
	{ "conf",            T_PATH,   F(conf),            0, 0, O_ARG },
	{ "db",              T_DB,     F(db),              0, 0, O_BOTH },
	{ "default_domain",  T_DOMAIN, F(default_domain),  0, 0, O_BOTH },
	{ "lowercase_local", T_BOOL,   F(lowercase_local), 0, 0, O_BOTH },
	{ "utf8_local",      T_BOOL,   F(utf8_local),      0, 0, O_BOTH },
	{ "hash",            T_METHOD, F(hash),            0, 0, O_BOTH },
	{ "hash_cost",       T_ULONG,  F(hash_cost),       0, 999999999, O_BOTH },
	{ "rehash",          T_BOOL,   F(rehash),          0, 0, O_BOTH },
	{ "busy_timeout",    T_ULONG,  F(busy_timeout),    0, 60000, O_BOTH },
	{ "debug",           T_BOOL,   F(debug),           0, 0, O_BOTH },
	{ "audit",           T_BOOL,   F(audit),           0, 0, O_BOTH },
	{ "use_first_pass",  T_BOOL,   F(use_first_pass),  0, 0, O_ARG },
	{ "try_first_pass",  T_BOOL,   F(try_first_pass),  0, 0, O_ARG },
	{ "deny",            T_ULONG,  F(deny),            0, 1000000, O_BOTH },
	{ "deny_total",      T_ULONG,  F(deny_total),      0, 1000000, O_BOTH },
	{ "fail_interval",   T_ULONG,  F(fail_interval),   1, 31536000, O_BOTH },
	{ "unlock_time",     T_ULONG,  F(unlock_time),     0, 31536000, O_BOTH },
	{ "ipv6_prefix",     T_ULONG,  F(ipv6_prefix),     16, 128, O_BOTH },
	{ "use_authtok",     T_BOOL,   F(use_authtok),     0, 0, O_ARG },
	{ "retry",           T_ULONG,  F(retry),           1, 10, O_BOTH },
	{ "minlen",          T_ULONG,  F(minlen),          1, MU_PASS_MAX, O_BOTH },
	{ "dictpath",        T_PATH,   F(dictpath),        0, 0, O_BOTH },
	{ "remember",        T_ULONG,  F(remember),        0, MU_REMEMBER_MAX, O_BOTH },
	{ "maxdays",         T_ULONG,  F(maxdays),         0, MU_DAYS_MAX, O_BOTH },
	{ "mindays",         T_ULONG,  F(mindays),         0, MU_DAYS_MAX, O_BOTH },
	{ "warndays",        T_ULONG,  F(warndays),        0, MU_DAYS_MAX, O_BOTH },
	{ "graced",          T_ULONG,  F(graced),          0, MU_DAYS_MAX, O_BOTH },
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* Longest line of a configuration file, without its newline. */
#define CONF_LINE (PATH_MAX + 126)

bool
mu_db_is_pg(const char *db)
{
	if (strncmp(db, "postgresql://", 13) == 0 ||
	    strncmp(db, "postgres://", 11) == 0)
		return true;
	/* a libpq "key=value" string; a path starts with '/' */
	return db[0] != '/' && strchr(db, '=') != NULL;
}

bool
mu_db_has_password(const char *db)
{
	const char *at, *colon, *p;

	if (!mu_db_is_pg(db))
		return false;
	if (db[0] != '/' && strstr(db, "://") != NULL) {
		/* postgresql://user:password@host/...: a ':' in the user
		 * information, or password= among the parameters */
		p = strstr(db, "://") + 3;
		at = strchr(p, '@');
		colon = strchr(p, ':');
		if (at != NULL && colon != NULL && colon < at &&
		    strcspn(p, "/?") > (size_t)(at - p))
			return true;
		return strstr(db, "password=") != NULL;
	}
	for (p = db; (p = strstr(p, "password")) != NULL; p++) {
		const char *q = p + 8;

		/* the keyword, not passfile or a value containing it */
		if ((p == db || p[-1] == ' ' || p[-1] == '\t') &&
		    (*q == '=' || *q == ' ' || *q == '\t'))
			return true;
	}
	return false;
}

void
mu_config_defaults(struct mu_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->conf, sizeof(cfg->conf), "%s", MU_CONF_DEFAULT);
	snprintf(cfg->db, sizeof(cfg->db), "%s", MU_DB_DEFAULT);
	snprintf(cfg->hash, sizeof(cfg->hash), "yescrypt");
	cfg->lowercase_local = true;
	cfg->rehash = true;
	cfg->busy_timeout = 5000;
	cfg->deny = 5;
	cfg->deny_total = 50;
	cfg->fail_interval = 900;
	cfg->unlock_time = 900;
	cfg->ipv6_prefix = 64;
	cfg->retry = 3;
	cfg->minlen = 10;
	snprintf(cfg->dictpath, sizeof(cfg->dictpath), "%s", MU_DICT_DEFAULT);
	cfg->remember = 5;
	cfg->warndays = 7;
	cfg->method = mu_method_find(cfg->hash);
}

unsigned
mu_config_canon_flags(const struct mu_config *cfg)
{
	return (cfg->lowercase_local ? MU_CANON_LOWER_LOCAL : 0) |
	    (cfg->utf8_local ? MU_CANON_UTF8_LOCAL : 0);
}

static const struct opt *
find_opt(const char *key)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strcmp(opts[i].name, key) == 0)
			return &opts[i];
	return NULL;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *yes[] = { "1", "yes", "true", "on" };
	static const char *no[] = { "0", "no", "false", "off" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(v, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(v, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int
parse_ulong(const char *v, unsigned long min, unsigned long max,
	    unsigned long *out)
{
	unsigned long n;
	char *end;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

int
mu_config_set(struct mu_config *cfg, enum mu_origin origin,
	      const char *where, const char *key, const char *value,
	      const struct mu_log *log)
{
	const struct opt *o = find_opt(key);
	char *field;
	const char *why = NULL;

	if (o == NULL) {
		mu_logf(log, LOG_ERR, "%s: unknown option \"%s\"", where, key);
		return MU_E_CONFIG;
	}
	if (!(o->origins & (origin == MU_FROM_FILE ? O_FILE : O_ARG))) {
		mu_logf(log, LOG_ERR, "%s: option \"%s\" is allowed only %s",
			where, key, origin == MU_FROM_FILE ?
			"as a module argument" : "in the configuration file");
		return MU_E_CONFIG;
	}
	field = (char *)cfg + o->off;
	if (value == NULL && o->type != T_BOOL) {
		mu_logf(log, LOG_ERR, "%s: option \"%s\" needs a value", where,
			key);
		return MU_E_CONFIG;
	}
	switch (o->type) {
	case T_BOOL:
		if (value == NULL) {
			*(bool *)field = true;
			return MU_OK;
		}
		if (parse_bool(value, (bool *)field) != 0)
			why = "expected yes or no";
		break;
	case T_ULONG:
		if (parse_ulong(value, o->min, o->max,
				(unsigned long *)field) != 0)
			why = "not a whole number in range";
		break;
	case T_PATH:
		if (value[0] != '/')
			why = "not an absolute path";
		else if (strlen(value) >= o->size)
			why = "path too long";
		else
			memcpy(field, value, strlen(value) + 1);
		break;
	case T_DB:
		if (!mu_db_is_pg(value) && value[0] != '/')
			why = "neither an absolute path nor a PostgreSQL "
			    "connection string";
		else if (strlen(value) >= o->size)
			why = "too long";
		else
			memcpy(field, value, strlen(value) + 1);
		break;
	case T_DOMAIN:
		if (*value == '\0')
			field[0] = '\0';
		else
			(void)mu_canon_domain(value, field, &why);
		break;
	case T_METHOD:
		if (mu_method_find(value) == NULL)
			why = "unknown hash method (yescrypt, gost-yescrypt, "
			      "scrypt, bcrypt, sha512crypt, sha256crypt)";
		else
			snprintf(field, o->size, "%s", value);
		break;
	}
	if (why != NULL) {
		mu_logf(log, LOG_ERR, "%s: bad value for \"%s\": %s", where,
			key, why);
		return MU_E_CONFIG;
	}
	return MU_OK;
}

/* Open a configuration file without following links and check that it
 * is a regular file of bounded size that only root or we can change.
 * *fdp is the open descriptor, or -1 for a missing optional file. */
static int
open_safely(const char *path, bool must_exist, const struct mu_log *log,
	    int *fdp)
{
	struct stat sb;
	int fd;

	*fdp = -1;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return MU_OK;
		mu_logf(log, LOG_ERR, "cannot open %s: %s", path,
			errno == ELOOP ? "is a symbolic link" :
			strerror(errno));
		return MU_E_CONFIG;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		mu_logf(log, LOG_ERR, "%s: not a regular file", path);
		goto fail;
	}
	if (sb.st_uid != 0 && sb.st_uid != geteuid()) {
		mu_logf(log, LOG_ERR, "%s: not owned by root", path);
		goto fail;
	}
	if (sb.st_mode & (S_IWGRP | S_IWOTH)) {
		mu_logf(log, LOG_ERR, "%s: writable by group or others", path);
		goto fail;
	}
	if (sb.st_size > MU_CONF_MAXSIZE) {
		mu_logf(log, LOG_ERR, "%s: larger than %d bytes", path,
			MU_CONF_MAXSIZE);
		goto fail;
	}
	*fdp = fd;
	return MU_OK;
fail:
	close(fd);
	return MU_E_CONFIG;
}

/* Read the whole file at fd into buf (MU_CONF_MAXSIZE bytes): a file
 * that grew past the cap since open_safely looked is refused too. */
static int
read_capped(int fd, const char *path, char *buf, size_t *lenp,
	    const struct mu_log *log)
{
	size_t len = 0;
	ssize_t n;
	char extra;

	while (len < MU_CONF_MAXSIZE) {
		n = read(fd, buf + len, MU_CONF_MAXSIZE - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mu_logf(log, LOG_ERR, "%s: read error", path);
			return MU_E_CONFIG;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == MU_CONF_MAXSIZE) {
		while ((n = read(fd, &extra, 1)) < 0 && errno == EINTR)
			;
		if (n < 0) {
			mu_logf(log, LOG_ERR, "%s: read error", path);
			return MU_E_CONFIG;
		}
		if (n > 0) {
			mu_logf(log, LOG_ERR, "%s: larger than %d bytes", path,
				MU_CONF_MAXSIZE);
			return MU_E_CONFIG;
		}
	}
	*lenp = len;
	return MU_OK;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
			 e[-1] == '\r'))
		*--e = '\0';
	return s;
}

/* "[name]": letters, digits, '-' and '_' between the brackets. */
static bool
section_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 3 || s[0] != '[' || s[n - 1] != ']')
		return false;
	for (i = 1; i + 1 < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_')
			return false;
	return true;
}

int
mu_config_parse(struct mu_config *cfg, const char *buf, size_t len,
		const char *path, const struct mu_log *log)
{
	char line[CONF_LINE + 1], where[PATH_MAX + 32];
	const char *nl;
	size_t pos = 0, n;
	unsigned lineno = 0;
	bool other = false;	/* inside a [section] of another program */
	int ret = MU_OK;

	if (path == NULL)
		path = "(configuration)";
	if (buf == NULL)
		len = 0;
	while (pos < len) {
		char *s, *eq, *key, *value;

		nl = memchr(buf + pos, '\n', len - pos);
		n = nl != NULL ? (size_t)(nl - (buf + pos)) : len - pos;
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", path, lineno);
		if (n > CONF_LINE) {
			mu_logf(log, LOG_ERR, "%s: line too long", where);
			ret = MU_E_CONFIG;
			break;
		}
		memcpy(line, buf + pos, n);
		line[n] = '\0';
		pos += nl != NULL ? n + 1 : n;
		if (strlen(line) != n) {
			mu_logf(log, LOG_ERR, "%s: NUL byte in line", where);
			ret = MU_E_CONFIG;
			continue;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		/* "[name]" starts a section read by another program (such
		 * as mailserver-check's [check]); the module's options come
		 * before the first one */
		if (*s == '[') {
			if (!section_name(s)) {
				mu_logf(log, LOG_ERR, "%s: expected \"[name]\"",
					where);
				ret = MU_E_CONFIG;
			}
			other = true;
			continue;
		}
		if (other)
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			mu_logf(log, LOG_ERR, "%s: expected \"key = value\"",
				where);
			ret = MU_E_CONFIG;
			continue;
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if (mu_config_set(cfg, MU_FROM_FILE, where, key, value, log) !=
		    MU_OK)
			ret = MU_E_CONFIG;
	}
	return ret;
}

int
mu_config_read(const char *path, bool must_exist, const struct mu_log *log,
	       char **text, size_t *len, mode_t *mode)
{
	struct stat sb;
	char *buf;
	int fd, r;

	*text = NULL;
	*len = 0;
	if ((r = open_safely(path, must_exist, log, &fd)) != MU_OK || fd < 0)
		return r;
	if ((buf = malloc(MU_CONF_MAXSIZE + 1)) == NULL) {
		mu_logf(log, LOG_ERR, "%s: out of memory", path);
		close(fd);
		return MU_E_CONFIG;
	}
	if ((r = read_capped(fd, path, buf, len, log)) == MU_OK &&
	    fstat(fd, &sb) != 0) {
		mu_logf(log, LOG_ERR, "%s: %s", path, strerror(errno));
		r = MU_E_CONFIG;
	}
	close(fd);
	if (r != MU_OK) {
		free(buf);
		return r;
	}
	buf[*len] = '\0';
	if (mode != NULL)
		*mode = sb.st_mode;
	*text = buf;
	return MU_OK;
}

/* The first line of an error through a log, into a buffer. */
struct err_buf {
	char *buf;
	size_t len;
};

static void
err_sink(void *arg, int prio, const char *fmt, va_list ap)
{
	struct err_buf *e = arg;

	(void)prio;
	if (e->buf[0] == '\0')
		vsnprintf(e->buf, e->len, fmt, ap);
}

int
mu_config_section(const char *path, bool must_exist, const char *name,
		  int (*set)(void *arg, const char *key, char *value,
			     char *msg, size_t msgsz),
		  void *arg, char *err, size_t errlen)
{
	struct err_buf e = { err, errlen };
	struct mu_log log = { err_sink, &e, false };
	char *text, *line, *next, msg[300];
	bool mine = false;
	unsigned lineno = 0;
	size_t len;
	int r = 0;

	err[0] = '\0';
	if (mu_config_read(path, must_exist, &log, &text, &len, NULL) != MU_OK)
		return -1;
	if (text == NULL)
		return 0;	/* missing, and need not exist */
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: holds a NUL byte", path);
		free(text);
		return -1;
	}
	for (line = text; r == 0 && line != NULL; line = next) {
		char *l, *eq;

		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		l = trim(line);
		if (*l == '\0' || *l == '#')
			continue;
		if (*l == '[') {
			if (!section_name(l)) {
				snprintf(err, errlen, "%s:%u: expected "
					 "\"[name]\"", path, lineno);
				r = -1;
			}
			l[strlen(l) - 1] = '\0';
			mine = strcmp(l + 1, name) == 0;
			continue;
		}
		if (!mine)
			continue;
		if ((eq = strchr(l, '=')) == NULL) {
			snprintf(err, errlen, "%s:%u: expected \"key = "
				 "value\"", path, lineno);
			r = -1;
			break;
		}
		*eq = '\0';
		if (set(arg, trim(l), trim(eq + 1), msg, sizeof(msg)) != 0) {
			snprintf(err, errlen, "%s:%u: [%s] %s", path, lineno,
				 name, msg);
			r = -1;
		}
	}
	free(text);
	return r;
}

int
mu_config_load(struct mu_config *cfg, const char *path, bool must_exist,
	       const struct mu_log *log)
{
	mode_t mode = 0;
	char *buf;
	size_t len;
	int r;

	if ((r = mu_config_read(path, must_exist, log, &buf, &len, &mode)) !=
	    MU_OK || buf == NULL)
		return r;
	r = mu_config_parse(cfg, buf, len, path, log);
	if (r == MU_OK && mu_db_has_password(cfg->db) && (mode & S_IROTH)) {
		mu_logf(log, LOG_ERR, "%s: holds a database password and is "
			"readable by others (chmod o-r)", path);
		r = MU_E_CONFIG;
	}
	free(buf);
	return r;
}

/* Split "key=value" into a key buffer and a value pointer. */
static int
split_arg(const char *arg, char *key, size_t keysz, const char **value)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq != NULL ? (size_t)(eq - arg) : strlen(arg);

	if (n >= keysz)
		return -1;
	memcpy(key, arg, n);
	key[n] = '\0';
	*value = eq != NULL ? eq + 1 : NULL;
	return 0;
}

int
mu_config_from_args(struct mu_config *cfg, int argc, const char **argv,
		    const struct mu_log *log)
{
	char key[64];
	const char *value;
	int i, ret = MU_OK;

	mu_config_defaults(cfg);
	/* conf= first: it names the file the other arguments override */
	for (i = 0; i < argc; i++) {
		if (split_arg(argv[i], key, sizeof(key), &value) == 0 &&
		    strcmp(key, "conf") == 0 &&
		    mu_config_set(cfg, MU_FROM_ARG, "argument", key, value,
				  log) != MU_OK)
			return MU_E_CONFIG;
	}
	if (mu_config_load(cfg, cfg->conf,
			   strcmp(cfg->conf, MU_CONF_DEFAULT) != 0,
			   log) != MU_OK)
		ret = MU_E_CONFIG;
	for (i = 0; i < argc; i++) {
		if (split_arg(argv[i], key, sizeof(key), &value) != 0) {
			mu_logf(log, LOG_ERR, "argument: unknown option \"%.40s"
				"...\"", argv[i]);
			ret = MU_E_CONFIG;
			continue;
		}
		if (strcmp(key, "conf") == 0)
			continue;
		if (mu_config_set(cfg, MU_FROM_ARG, "argument", key, value,
				  log) != MU_OK)
			ret = MU_E_CONFIG;
	}
	if (ret == MU_OK)
		ret = mu_config_finish(cfg, log);
	return ret;
}

int
mu_config_finish(struct mu_config *cfg, const struct mu_log *log)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];

	cfg->method = mu_method_find(cfg->hash);
	if (cfg->method == NULL) {
		mu_logf(log, LOG_ERR, "unknown hash method \"%s\"", cfg->hash);
		return MU_E_CONFIG;
	}
	if (cfg->hash_cost != 0 && (cfg->hash_cost < cfg->method->min_cost ||
				    cfg->hash_cost > cfg->method->max_cost)) {
		mu_logf(log, LOG_ERR, "hash_cost %lu out of range for %s "
			"(%lu to %lu)", cfg->hash_cost, cfg->hash,
			cfg->method->min_cost, cfg->method->max_cost);
		return MU_E_CONFIG;
	}
	if (mu_hash_setting(cfg->method, cfg->hash_cost, setting,
			    sizeof(setting)) != MU_OK) {
		mu_logf(log, LOG_ERR, "libxcrypt refuses hash %s with cost "
			"%lu", cfg->hash, cfg->hash_cost);
		return MU_E_CONFIG;
	}
	if (cfg->use_first_pass && cfg->try_first_pass) {
		mu_logf(log, LOG_ERR, "use_first_pass and try_first_pass "
			"exclude each other");
		return MU_E_CONFIG;
	}
	return MU_OK;
}

void
mu_config_dump(const struct mu_config *cfg,
	       void (*out)(void *arg, const char *line), void *arg)
{
	char line[PATH_MAX + 64];
	size_t i;

	for (i = 0; i < NOPTS; i++) {
		const char *field = (const char *)cfg + opts[i].off;

		switch (opts[i].type) {
		case T_BOOL:
			snprintf(line, sizeof(line), "%s = %s", opts[i].name,
				 *(const bool *)field ? "yes" : "no");
			break;
		case T_ULONG:
			snprintf(line, sizeof(line), "%s = %lu", opts[i].name,
				 *(const unsigned long *)field);
			break;
		default:
			snprintf(line, sizeof(line), "%s = %s", opts[i].name,
				 field);
			break;
		}
		out(arg, line);
	}
}
