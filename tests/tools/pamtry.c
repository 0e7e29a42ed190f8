/*
 * pamtry: one PAM transaction the way a mail server does it, for the demo
 * and the tests.  The password is read from standard input (one line; see -n).
 *
 *   pamtry [-d CONFDIR] [-r RHOST] [-f] [-n N] SERVICE USER
 *
 * -d  read the service file from CONFDIR (pam_start_confdir) instead of
 *     /etc/pam.d; -r  set PAM_RHOST; -f  pass PAM_SILENT;
 * -n  run the whole transaction (pam_start to pam_end) N times, 1 to
 *     10000, in this one process, as a long-lived auth worker does: the
 *     module stays loaded between them, so what it keeps per process
 *     (such as its log rate limits) carries over.  Transaction i takes
 *     line i of standard input as its password; when the input has fewer
 *     lines, the last one is used again.
 * Prints "auth: TEXT" and, after a successful auth, "account: TEXT" and
 * "user: NAME" (PAM_USER afterwards), for each transaction.  Exit status:
 * 0 when every transaction succeeds, else the first failing PAM return
 * code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

static char password[1024];

static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
     void *arg)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	(void)arg;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF)
			r[i].resp = strdup(password);
		else if (msg[i]->msg_style == PAM_ERROR_MSG ||
			 msg[i]->msg_style == PAM_TEXT_INFO)
			printf("message: %s\n", msg[i]->msg);
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* One transaction, the way a mail server does it; prints what it got. */
static int
transaction(const char *service, const char *name, const char *confdir,
	    const char *rhost, int flags)
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh = NULL;
	const void *user = NULL;
	int r, acct = PAM_SUCCESS;

	r = confdir != NULL ?
	    pam_start_confdir(service, name, &pc, confdir, &pamh) :
	    pam_start(service, name, &pc, &pamh);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pamtry: pam_start: %s\n", pam_strerror(NULL, r));
		return r;
	}
	if (rhost != NULL)
		pam_set_item(pamh, PAM_RHOST, rhost);
	pam_set_item(pamh, PAM_TTY, "pamtry");
	r = pam_authenticate(pamh, flags);
	printf("auth: %s\n", pam_strerror(pamh, r));
	if (r == PAM_SUCCESS) {
		acct = pam_acct_mgmt(pamh, flags);
		printf("account: %s\n", pam_strerror(pamh, acct));
		if (pam_get_item(pamh, PAM_USER, &user) == PAM_SUCCESS &&
		    user != NULL)
			printf("user: %s\n", (const char *)user);
	}
	pam_end(pamh, r);
	return r != PAM_SUCCESS ? r : acct;
}

/* The next line of standard input as the password; at the end of the
 * input, the password stays what it was (empty before any line). */
static void
next_password(void)
{
	char line[sizeof(password)];

	if (fgets(line, sizeof(line), stdin) == NULL)
		return;
	line[strcspn(line, "\n")] = '\0';
	memcpy(password, line, sizeof(password));
	memset(line, 0, sizeof(line));
}

int
main(int argc, char **argv)
{
	const char *confdir = NULL, *rhost = NULL;
	char *end;
	long n = 1, i;
	int c, flags = 0, r, first = PAM_SUCCESS;

	while ((c = getopt(argc, argv, "d:r:fn:")) != -1) {
		switch (c) {
		case 'd': confdir = optarg; break;
		case 'r': rhost = optarg; break;
		case 'f': flags = PAM_SILENT; break;
		case 'n':
			n = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || n < 1 ||
			    n > 10000)
				goto usage;
			break;
		default: goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	for (i = 0; i < n; i++) {
		next_password();
		r = transaction(argv[optind], argv[optind + 1], confdir,
				rhost, flags);
		fflush(stdout);
		if (first == PAM_SUCCESS)
			first = r;
	}
	memset(password, 0, sizeof(password));
	return first;
usage:
	fprintf(stderr, "usage: pamtry [-d CONFDIR] [-r RHOST] [-f] [-n N] "
		"SERVICE USER\n");
	return 2;
}
