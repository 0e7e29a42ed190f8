#include "mu_error.h"

const char *
mu_strerror(int err)
{
	switch (err) {
	case MU_OK:		return "success";
	case MU_E_NOMEM:	return "out of memory";
	case MU_E_CONFIG:	return "configuration error";
	case MU_E_STORE:	return "user store unavailable";
	case MU_E_NOUSER:	return "no such user";
	case MU_E_BADNAME:	return "invalid name";
	case MU_E_MISMATCH:	return "wrong password";
	case MU_E_DISABLED:	return "account disabled";
	case MU_E_ACCT_EXPIRED:	return "account expired";
	case MU_E_EXISTS:	return "already exists";
	case MU_E_HASH:		return "password hashing failed";
	case MU_E_TOOLONG:	return "password too long";
	case MU_E_EMPTY:	return "empty password";
	case MU_E_CONFLICT:	return "record changed by another process";
	case MU_E_INVAL:	return "invalid argument";
	case MU_E_IO:		return "input/output error";
	case MU_E_NODOMAIN:	return "no such domain";
	case MU_E_NOTEMPTY:	return "domain has users";
	case MU_E_LOCKED:	return "locked after too many failures";
	case MU_E_WEAK:	return "password refused by the quality checks";
	case MU_E_DICT:	return "password dictionary unavailable";
	case MU_E_TOOSOON:	return "password changed too recently";
	case MU_E_NOTEXPIRED:	return "password not expired";
	case MU_E_NEWTOK:	return "password change required";
	case MU_E_PW_EXPIRED:	return "password expired";
	}
	return "unknown error";
}
