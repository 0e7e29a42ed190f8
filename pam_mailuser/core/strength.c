#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <crack.h>

#include "mu_error.h"
#include "mu_strength.h"
#include "mu_username.h"

#define PWI_MAGIC 0x70775631u	/* cracklib's index header */

/* Open path+suffix for reading: a readable regular file.  With magic,
 * its first 4 bytes must be PWI_MAGIC.  cracklib itself reports such
 * problems on stderr, which is no place for a module to write. */
static bool
dict_file_ok(const char *path, const char *suffix, bool magic)
{
	char p[PATH_MAX];
	struct stat sb;
	uint32_t m = 0;
	bool ok;
	int fd;

	if ((size_t)snprintf(p, sizeof(p), "%s%s", path, suffix) >= sizeof(p))
		return false;
	if ((fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return false;
	ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
	if (ok && magic)
		ok = read(fd, &m, sizeof(m)) == (ssize_t)sizeof(m) &&
		    m == PWI_MAGIC;
	close(fd);
	return ok;
}

int
mu_dict_check(const char *path, const char **why)
{
	if (path == NULL || path[0] != '/') {
		*why = "the password dictionary is not configured";
		return MU_E_DICT;
	}
	if (!dict_file_ok(path, ".pwd", false) ||
	    !dict_file_ok(path, ".pwi", true) ||
	    !dict_file_ok(path, ".hwm", false)) {
		*why = "the password dictionary is missing or unreadable";
		return MU_E_DICT;
	}
	return MU_OK;
}

/* True when hay contains the n bytes at needle, ASCII case-insensitive. */
static bool
contains_ci(const char *hay, const char *needle, size_t n)
{
	size_t hl = strlen(hay), i;

	if (n == 0 || n > hl)
		return false;
	for (i = 0; i + n <= hl; i++)
		if (strncasecmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

/* The local part, or a domain label of 3 bytes or more, inside pw. */
static const char *
names_in(const char *pw, const char *name)
{
	const char *at = strrchr(name, '@'), *l, *e;

	if (at == NULL)
		return NULL;
	if (at - name >= 3 && contains_ci(pw, name, (size_t)(at - name)))
		return "it contains the user name";
	for (l = at + 1; *l != '\0'; l = *e == '.' ? e + 1 : e) {
		e = strchr(l, '.');
		if (e == NULL)
			e = l + strlen(l);
		if (e - l >= 3 && contains_ci(pw, l, (size_t)(e - l)))
			return "it contains the domain name";
	}
	return NULL;
}

/* The local part of name into out, for cracklib. */
static void
local_part(const char *name, char *out, size_t outsz)
{
	const char *at = strrchr(name, '@');
	size_t n = at != NULL ? (size_t)(at - name) : strlen(name);

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, name, n);
	out[n] = '\0';
}

/* Equal to the current password or one of the history. */
static const char *
reused(const struct mu_pwcheck *pc, const char *pw)
{
	size_t i;

	if (pc->current != NULL && pc->current[0] != '\0' &&
	    mu_hash_verify(pw, pc->current, pc->method, pc->cost, NULL) ==
	    MU_OK)
		return "it is the same as the current password";
	for (i = 0; i < pc->nhistory; i++)
		if (mu_hash_verify(pw, pc->history[i], pc->method, pc->cost,
				   NULL) == MU_OK)
			return "it was used recently";
	return NULL;
}

int
mu_strength_check(const struct mu_pwcheck *pc, const char *pw,
		  const char **why)
{
	char local[MU_NAME_MAX + 1];
	size_t len;
	int r;

	*why = NULL;
	if ((r = mu_dict_check(pc->dictpath, why)) != MU_OK)
		return r;
	len = pw != NULL ? strnlen(pw, MU_PASS_MAX + 1) : 0;
	if (len == 0)
		*why = "no password was given";
	else if (len > MU_PASS_MAX)
		*why = "it is longer than 511 bytes";
	else if (len < pc->minlen)
		*why = "it is shorter than the minimum length";
	else if ((*why = names_in(pw, pc->name)) == NULL) {
		local_part(pc->name, local, sizeof(local));
		*why = FascistCheckUser(pw, pc->dictpath, local, NULL);
		if (*why == NULL)
			*why = reused(pc, pw);
	}
	return *why != NULL ? MU_E_WEAK : MU_OK;
}
