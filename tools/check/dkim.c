/*
 * DKIM key records (RFC 6376 3.6.1): SELECTOR._domainkey.DOMAIN holds
 * one TXT record, a tag list with a non-empty p= (empty: the key is
 * revoked) that OpenSSL parses as a public key: RSA of at least 1024
 * bits (WARN under 2048), or Ed25519 (RFC 8463).  With a private key
 * file for the selector, the record must hold its public half.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "checks.h"
#include "tags.h"

#define DKIM_KEY_MAX 8192	/* bytes of DER: RSA 16384 fits */

static void
name_of(char *out, size_t len, const char *sel, const char *dom)
{
	snprintf(out, len, "%s._domainkey.%s", sel, dom);
}

void
dkim_want(struct dns *d, const struct inputs *in)
{
	char name[600];
	size_t i, j;

	for (i = 0; i < in->domains.n; i++)
		for (j = 0; j < in->selectors.n; j++) {
			name_of(name, sizeof(name), in->selectors.v[j],
				in->domains.v[i]);
			dns_want(d, name, T_TXT);
		}
}

/* The private key file given for sel in dom (SELECTOR[@DOMAIN]=FILE),
 * or NULL. */
static const char *
key_file(const struct inputs *in, const char *sel, const char *dom)
{
	size_t i, sl = strlen(sel);

	for (i = 0; i < in->dkim_keys.n; i++) {
		const char *k = in->dkim_keys.v[i], *eq = strchr(k, '=');
		const char *at = strchr(k, '@');

		if (eq == NULL || strncmp(k, sel, sl) != 0)
			continue;
		if (k + sl == eq)
			return eq + 1;
		if (at != NULL && at < eq && k + sl == at &&
		    strlen(dom) == (size_t)(eq - at - 1) &&
		    strncasecmp(at + 1, dom, (size_t)(eq - at - 1)) == 0)
			return eq + 1;
	}
	return NULL;
}

/* The public key of a record's p= and k=, or NULL with why. */
static EVP_PKEY *
public_key(const char *k, const char *p, char *why, size_t wlen)
{
	unsigned char *der = chk_xmalloc(DKIM_KEY_MAX);
	const unsigned char *q = der;
	EVP_PKEY *pk = NULL;
	long n;

	n = b64_decode(p, der, DKIM_KEY_MAX);
	if (n <= 0) {
		snprintf(why, wlen, "p= is not base64");
		goto out;
	}
	if (strcmp(k, "ed25519") == 0) {
		if (n == 32)
			pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
							 der, 32);
		if (pk == NULL)
			snprintf(why, wlen, "p= is not a 32-byte Ed25519 key");
		goto out;
	}
	if (strcmp(k, "rsa") != 0) {
		snprintf(why, wlen, "unknown key type k=%s", k);
		goto out;
	}
	/* SubjectPublicKeyInfo, as RFC 6376 says; many verifiers also take
	 * a bare RSAPublicKey */
	pk = d2i_PUBKEY(NULL, &q, n);
	if (pk == NULL) {
		q = der;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, n);
	}
	if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		snprintf(why, wlen, "p= is not an RSA public key");
		EVP_PKEY_free(pk);
		pk = NULL;
	}
out:
	free(der);
	return pk;
}

/* "" when the key in file is the private half of pk, else why not. */
static enum verdict
compare(EVP_PKEY *pk, const char *file, char *why, size_t wlen)
{
	EVP_PKEY *priv;
	FILE *f;

	if ((f = fopen(file, "re")) == NULL) {
		snprintf(why, wlen, "cannot read %s", file);
		return V_UNKNOWN;
	}
	priv = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (priv == NULL) {
		snprintf(why, wlen, "%s holds no PEM private key", file);
		return V_UNKNOWN;
	}
	if (EVP_PKEY_eq(pk, priv) != 1) {
		snprintf(why, wlen, "the record is not the public half of %s: "
			 "mail signed with it fails", file);
		EVP_PKEY_free(priv);
		return V_FAIL;
	}
	snprintf(why, wlen, ", matches %s", file);
	EVP_PKEY_free(priv);
	return V_OK;
}

static void
one(struct dns *d, const struct inputs *in, const char *sel, const char *dom,
    struct report *rep)
{
	const struct dns_ans *a;
	struct tags tg;
	const char *k, *p, *v, *t, *file;
	char name[600], err[200], why[300] = "";
	EVP_PKEY *pk;
	enum verdict cmp = V_OK;
	int bits;

	name_of(name, sizeof(name), sel, dom);
	a = dns_get(d, name, T_TXT);
	if (dns_empty(a)) {
		report_add(rep, "dkim", name, V_FAIL, "no key record (%s)",
			   dns_status_name(a->status));
		return;
	}
	if (a->status != DNS_OK) {
		report_add(rep, "dkim", name, V_UNKNOWN, "TXT lookup: %s %s",
			   dns_status_name(a->status), a->why);
		return;
	}
	if (a->n > 1) {
		report_add(rep, "dkim", name, V_FAIL,
			   "%zu TXT records: verifiers may pick any", a->n);
		return;
	}
	if (tags_parse(a->data[0], &tg, err, sizeof(err)) != 0) {
		report_add(rep, "dkim", name, V_FAIL, "syntax: %s", err);
		return;
	}
	v = tags_get(&tg, "v");
	if (v != NULL && (strcmp(v, "DKIM1") != 0 ||
			  strcmp(tg.t[0].name, "v") != 0)) {
		report_add(rep, "dkim", name, V_FAIL,
			   "v= must come first and be DKIM1");
		goto out;
	}
	if ((p = tags_get(&tg, "p")) == NULL) {
		report_add(rep, "dkim", name, V_FAIL, "no p= tag");
		goto out;
	}
	if (*p == '\0') {
		report_add(rep, "dkim", name, V_FAIL,
			   "key revoked (p= is empty): signatures fail");
		goto out;
	}
	k = tags_get(&tg, "k");
	if ((pk = public_key(k ? k : "rsa", p, err, sizeof(err))) == NULL) {
		report_add(rep, "dkim", name, V_FAIL, "%s", err);
		goto out;
	}
	bits = EVP_PKEY_get_bits(pk);
	if ((file = key_file(in, sel, dom)) != NULL)
		cmp = compare(pk, file, why, sizeof(why));
	t = tags_get(&tg, "t");
	if (cmp != V_OK)
		report_add(rep, "dkim", name, cmp, "%s", why);
	else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && bits < 1024)
		report_add(rep, "dkim", name, V_FAIL,
			   "RSA key of %d bits: verifiers ignore keys under "
			   "1024 bits", bits);
	else if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA && bits < 2048)
		report_add(rep, "dkim", name, V_WARN,
			   "RSA key of %d bits: use 2048%s", bits, why);
	else if (t != NULL && strstr(t, "y") != NULL)
		report_add(rep, "dkim", name, V_WARN,
			   "t=y: in testing mode, verifiers may ignore failures"
			   "%s", why);
	else
		report_add(rep, "dkim", name, V_OK, "%s key of %d bits%s",
			   EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA ? "RSA" :
			   "Ed25519", bits, why);
	EVP_PKEY_free(pk);
out:
	tags_free(&tg);
}

void
dkim_check(struct dns *d, const struct inputs *in, struct report *rep)
{
	size_t i, j;

	if (in->selectors.n == 0 || in->domains.n == 0) {
		report_add(rep, "dkim", "", V_SKIP, "no %s",
			   in->domains.n ? "selector (--selector)" :
			   "mail domain (--domain)");
		return;
	}
	for (i = 0; i < in->domains.n; i++)
		for (j = 0; j < in->selectors.n; j++)
			one(d, in, in->selectors.v[j], in->domains.v[i], rep);
}
