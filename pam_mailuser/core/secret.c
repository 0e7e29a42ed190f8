#include <stdlib.h>
#include <string.h>

#include "mu_secret.h"

void
mu_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

void
mu_free_secret(char *s)
{
	if (s == NULL)
		return;
	mu_wipe(s, strlen(s));
	free(s);
}

bool
mu_ct_streq(const char *a, const char *b)
{
	size_t la, lb, n, i;
	unsigned char diff;

	if (a == NULL || b == NULL)
		return false;
	la = strlen(a);
	lb = strlen(b);
	n = la > lb ? la : lb;
	diff = (unsigned char)(la != lb);
	for (i = 0; i < n; i++) {
		unsigned char ca = i < la ? (unsigned char)a[i] : 0;
		unsigned char cb = i < lb ? (unsigned char)b[i] : 0;

		diff |= (unsigned char)(ca ^ cb);
	}
	return diff == 0;
}
