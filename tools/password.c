/*
 * New passwords for the admin tool: from a no-echo prompt on /dev/tty
 * (asked twice), one line of standard input, or the first line of a file;
 * never from the command line.  Every buffer that held a password is
 * wiped before it is freed and before any message is printed.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "admin.h"
#include "mu_error.h"
#include "mu_hash.h"
#include "mu_secret.h"
#include "mu_store_pw.h"

#define PWBUF (MU_PASS_MAX + 1)	/* longest password and its NUL */

enum rl { RL_OK, RL_TOOLONG, RL_NUL, RL_IO, RL_SIGNAL };

static volatile sig_atomic_t caught;

static void
on_signal(int sig)
{
	caught = sig;
}

/* Read one line from fd into buf (PWBUF bytes) without its end: LF,
 * CRLF (a file written on Windows), or the end of the input, where one
 * CR before it is dropped too.  A line longer than MU_PASS_MAX is read to
 * its end and refused, so that what follows it is not taken for the next
 * answer. */
static enum rl
read_line(int fd, char *buf)
{
	size_t n = 0;
	bool toolong = false, nul = false, cr = false;
	enum rl ret = RL_OK;
	char c = 0;
	ssize_t r;

	for (;;) {
		if (caught != 0) {
			ret = RL_SIGNAL;
			break;
		}
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = RL_IO;
			break;
		}
		if (r == 0 || c == '\n')
			break;	/* a CR just before is the line's end too */
		if (cr) {	/* a CR inside the line is kept */
			if (n < MU_PASS_MAX)
				buf[n++] = '\r';
			else
				toolong = true;
			cr = false;
		}
		if (c == '\r') {
			cr = true;
			continue;
		}
		if (c == '\0')
			nul = true;
		if (n < MU_PASS_MAX)
			buf[n++] = c;
		else
			toolong = true;
	}
	buf[n] = '\0';
	mu_wipe(&c, sizeof(c));
	if (ret == RL_OK && toolong)
		ret = RL_TOOLONG;
	if (ret == RL_OK && nul)
		ret = RL_NUL;
	return ret;
}

/* Show prompt on the terminal fd and read an answer with echo off.  The
 * terminal and the signal dispositions are restored before returning; a
 * signal that arrived meanwhile gives RL_SIGNAL (caught holds it). */
static enum rl
tty_prompt(int fd, const char *prompt, char *buf)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
	struct sigaction sa, old_sa[sizeof(sigs) / sizeof(sigs[0])];
	struct termios old, quiet;
	enum rl ret;
	size_t i;
	int e;

	if (tcgetattr(fd, &old) != 0)
		return RL_IO;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: read() returns */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &sa, &old_sa[i]);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	/* TCSAFLUSH: drop what was typed (and shown) before the prompt */
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		ret = RL_IO;
	} else {
		(void)!write(fd, prompt, strlen(prompt));
		ret = read_line(fd, buf);
		(void)!write(fd, "\n", 1);
	}
	e = errno;
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaction(sigs[i], &old_sa[i], NULL);
	errno = e;
	return ret;
}

static struct admin *policy;	/* configuration and store */

void
password_policy(struct admin *a)
{
	policy = a;
}

/*
 * Quality checks for a new password, skipped with --force: those of
 * pam_chauthtok (mu_pw_quality: length, local part and domain, cracklib,
 * and for a user in the store the current and remembered passwords).
 * They fail closed: without the configuration (password_policy never
 * called) or a usable dictionary (mu_pw_quality says MU_E_DICT) the
 * password is refused, never let through unchecked.
 */
static int
quality(const char *pw, const char *user, const char **why)
{
	struct mu_user u;
	int r = MU_E_NOUSER;

	if (policy == NULL) {
		*why = "the password policy is not loaded: cannot check the "
		       "password's quality (--force skips the checks)";
		return MU_E_CONFIG;
	}
	if (user != NULL) {
		/* the current and remembered passwords are in the store */
		(void)admin_store(policy);
		r = mu_store_get_user(policy->st, user, &u);
	}
	if (r == MU_E_NOUSER) {	/* a new user, or no user at all */
		memset(&u, 0, sizeof(u));
		u.id = -1;
		snprintf(u.name, sizeof(u.name), "%s",
			 user != NULL ? user : "");
		r = MU_OK;
	}
	if (r == MU_OK)
		r = mu_pw_quality(policy->st, &policy->cfg, &u, pw, why);
	mu_user_wipe(&u);
	if (r != MU_OK && *why == NULL)
		*why = mu_strerror(r);
	return r;
}

int
password_check(const char *pw, const char *user, bool force,
	       const char **why)
{
	int r;

	if ((r = mu_pass_check_len(pw)) != MU_OK) {
		*why = r == MU_E_EMPTY ? "empty password" :
		    "password longer than 511 bytes";
		return r;
	}
	return force ? MU_OK : quality(pw, user, why);
}

/* Ask twice on /dev/tty; both answers must match. */
static enum rl
prompt_twice(const char *user, char *pw, const char **why)
{
	char prompt[MU_NAME_MAX + 32], *again;
	enum rl r;
	int fd, e;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		*why = "no terminal to ask on: use --password-stdin or "
		       "--password-file";
		return RL_IO;
	}
	if ((again = malloc(PWBUF)) == NULL) {
		close(fd);
		*why = "out of memory";
		return RL_IO;
	}
	snprintf(prompt, sizeof(prompt), "New password%s%s: ",
		 user != NULL ? " for " : "", user != NULL ? user : "");
	r = tty_prompt(fd, prompt, pw);
	if (r == RL_OK)
		r = tty_prompt(fd, "Retype new password: ", again);
	e = errno;
	if (r == RL_OK && !mu_ct_streq(pw, again)) {
		*why = "passwords do not match";
		r = RL_IO;
	}
	mu_wipe(again, PWBUF);
	free(again);
	close(fd);
	errno = e;
	return r;
}

char *
password_new(const struct opts *o, const char *user)
{
	static char msg[PATH_MAX + 128];
	const char *why = NULL, *from = "standard input";
	char *pw;
	enum rl r;
	int fd, e;

	if ((pw = malloc(PWBUF)) == NULL)
		errx(1, "out of memory");
	switch (o->pw_src) {
	case PW_STDIN:
		r = read_line(STDIN_FILENO, pw);
		break;
	case PW_FILE:
		from = o->pw_file;
		if ((fd = open(o->pw_file, O_RDONLY | O_CLOEXEC |
			       O_NOCTTY)) < 0) {
			r = RL_IO;
			break;
		}
		r = read_line(fd, pw);
		e = errno;
		close(fd);
		errno = e;
		break;
	default:
		from = "/dev/tty";
		r = prompt_twice(user, pw, &why);
		break;
	}
	if (why == NULL) {
		switch (r) {
		case RL_OK:
			(void)password_check(pw, user, o->force, &why);
			break;
		case RL_TOOLONG:
			why = "password longer than 511 bytes";
			break;
		case RL_NUL:
			why = "password contains a NUL byte";
			break;
		case RL_IO:
			snprintf(msg, sizeof(msg), "%s: %s", from,
				 strerror(errno));
			why = msg;
			break;
		case RL_SIGNAL:
			why = "interrupted";
			break;
		}
	}
	if (why == NULL)
		return pw;
	mu_wipe(pw, PWBUF);
	free(pw);
	if (r == RL_SIGNAL)
		raise(caught);	/* the original disposition is back */
	errx(1, "%s", why);
}
