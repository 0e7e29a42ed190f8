/* Test helper module: sets PAM_AUTHTOK to its first argument, so that
 * use_first_pass can be tested (libpam refuses an application setting
 * PAM_AUTHTOK and clears it when pam_authenticate starts). */
#include <security/pam_modules.h>

int pam_sm_authenticate(pam_handle_t *, int, int, const char **);
int pam_sm_setcred(pam_handle_t *, int, int, const char **);
int pam_sm_chauthtok(pam_handle_t *, int, int, const char **);

int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
		    const char **argv)
{
	(void)flags;
	if (argc < 1)
		return PAM_SERVICE_ERR;
	return pam_set_item(pamh, PAM_AUTHTOK, argv[0]) == PAM_SUCCESS ?
	    PAM_IGNORE : PAM_SERVICE_ERR;
}

int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* As a "password" module: set PAM_AUTHTOK to the new password argv[0] in
 * the update phase, for use_authtok. */
int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	if (argc < 1)
		return PAM_SERVICE_ERR;
	if (!(flags & PAM_UPDATE_AUTHTOK))
		return PAM_IGNORE;
	return pam_set_item(pamh, PAM_AUTHTOK, argv[0]) == PAM_SUCCESS ?
	    PAM_IGNORE : PAM_SERVICE_ERR;
}
