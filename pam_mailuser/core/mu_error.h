/* Errors of the pam_mailuser core.  The core returns these, never PAM
 * codes; the PAM glue maps them in one place (pam_mailuser.c). */
#ifndef MU_ERROR_H
#define MU_ERROR_H

enum mu_err {
	MU_OK = 0,
	MU_E_NOMEM = -1,	/* out of memory */
	MU_E_CONFIG = -2,	/* bad option or configuration file */
	MU_E_STORE = -3,	/* store missing, unreadable, wrong or busy */
	MU_E_NOUSER = -4,	/* no such user in the store */
	MU_E_BADNAME = -5,	/* name refused by the identity rules */
	MU_E_MISMATCH = -6,	/* wrong password */
	MU_E_DISABLED = -7,	/* user or domain disabled */
	MU_E_ACCT_EXPIRED = -8,	/* account expiry date reached */
	MU_E_EXISTS = -9,	/* user or domain exists already */
	MU_E_HASH = -10,	/* hashing failed or method unsupported */
	MU_E_TOOLONG = -11,	/* password over MU_PASS_MAX bytes */
	MU_E_EMPTY = -12,	/* empty password */
	MU_E_CONFLICT = -13,	/* record changed under us */
	MU_E_INVAL = -14,	/* invalid argument */
	MU_E_IO = -15,		/* system call failed */
	MU_E_NODOMAIN = -16,	/* no such domain */
	MU_E_NOTEMPTY = -17,	/* domain still has users */
	MU_E_LOCKED = -18,	/* locked after too many failures */
	MU_E_WEAK = -19,	/* new password refused by the quality checks */
	MU_E_DICT = -20,	/* cracklib dictionary missing or unreadable */
	MU_E_TOOSOON = -21,	/* within mindays of the last change */
	MU_E_NOTEXPIRED = -22,	/* expired-only change, password not expired */
	MU_E_NEWTOK = -23,	/* password must be changed (forced or aged) */
	MU_E_PW_EXPIRED = -24,	/* password past max age plus grace */
};

/* Static English text for an error code; never NULL. */
const char *mu_strerror(int err);

#endif
