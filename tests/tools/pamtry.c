/*
 * pamtry: one PAM transaction the way a mail server does it, for the demo
 * and the tests.  The password is read from standard input (one line).
 *
 *   pamtry [-d CONFDIR] [-r RHOST] [-f] SERVICE USER
 *
 * -d  read the service file from CONFDIR (pam_start_confdir) instead of
 *     /etc/pam.d; -r  set PAM_RHOST; -f  pass PAM_SILENT.
 * Prints "auth: TEXT" and, after a successful auth, "account: TEXT" and
 * "user: NAME" (PAM_USER afterwards).  Exit status: 0 when both succeed,
 * else the first failing PAM return code.
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

int
main(int argc, char **argv)
{
	struct pam_conv pc = { conv, NULL };
	const char *confdir = NULL, *rhost = NULL;
	pam_handle_t *pamh = NULL;
	const void *user = NULL;
	int c, flags = 0, r, acct = PAM_SUCCESS;

	while ((c = getopt(argc, argv, "d:r:f")) != -1) {
		switch (c) {
		case 'd': confdir = optarg; break;
		case 'r': rhost = optarg; break;
		case 'f': flags = PAM_SILENT; break;
		default: goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	if (fgets(password, sizeof(password), stdin) == NULL)
		password[0] = '\0';
	password[strcspn(password, "\n")] = '\0';
	r = confdir != NULL ?
	    pam_start_confdir(argv[optind], argv[optind + 1], &pc, confdir,
			      &pamh) :
	    pam_start(argv[optind], argv[optind + 1], &pc, &pamh);
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
	memset(password, 0, sizeof(password));
	return r != PAM_SUCCESS ? r : acct;
usage:
	fprintf(stderr, "usage: pamtry [-d CONFDIR] [-r RHOST] [-f] SERVICE "
		"USER\n");
	return 2;
}
