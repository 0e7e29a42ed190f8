/*
 * libFuzzer harness: mailserver-check's SPF record parser and evaluator
 * (tools/check/spf.c).  The input is an SPF record; it is parsed, its
 * domain-specs are expanded as macros, and check_host() evaluates it for
 * two addresses and for a walk, with a DNS that holds the input as the
 * TXT record of every name (so includes and redirects come back to it)
 * and nothing else.
 * Properties:
 *   - a parse either succeeds with at most SPF_MAX_TERMS terms, every
 *     domain-spec of which is valid, or fails with a reason;
 *   - an expansion is NUL-terminated and at most 253 bytes;
 *   - the evaluation ends with a known result, after at most 11
 *     DNS-lookup terms and 3 void lookups (it stops at the first over).
 */
#include <string.h>

#include "fuzz.h"
#include "check/spf.h"

static struct dns_ans txt, nx = { DNS_NXDOMAIN, 3, 0, NULL, "" };

static const struct dns_ans *
get(void *arg, const char *name, int type)
{
	(void)name;
	return type == T_TXT ? (const struct dns_ans *)arg : &nx;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *rec = fuzz_strndup(data, size), err[200], out[300];
	struct spf_record r;
	struct dns_src src = { get, &txt };
	struct spf_eval e;
	static const char *ips[] = { "192.0.2.1", "2001:db8::1", "" };
	size_t i;

	txt.status = DNS_OK;
	txt.n = 1;
	txt.data = &rec;
	err[0] = '\0';
	if (spf_parse(rec, &r, err, sizeof(err)) == 0) {
		FUZZ_CHECK(r.n <= SPF_MAX_TERMS, "%zu terms", r.n);
		(void)spf_eval_init(&e, src, "192.0.2.1");
		e.top = "fuzz.test";
		for (i = 0; i < r.n; i++) {
			FUZZ_CHECK(r.t[i].m <= M_OTHER, "mechanism %d",
				   (int)r.t[i].m);
			if (r.t[i].domain == NULL || r.t[i].m == M_OTHER)
				continue;
			FUZZ_CHECK(spf_domain_spec_ok(r.t[i].domain),
				   "bad domain-spec kept: %s", r.t[i].domain);
			if (spf_expand(&e, r.t[i].domain, "fuzz.test", out,
				       sizeof(out)) == 0)
				FUZZ_CHECK(strlen(out) <= 253, "%zu bytes",
					   strlen(out));
		}
	} else {
		FUZZ_CHECK(r.n == 0 && r.t == NULL && err[0] != '\0',
			   "failed parse left terms or no reason");
	}
	spf_record_free(&r);
	for (i = 0; i < 3; i++) {
		enum spf_result res;

		FUZZ_CHECK(spf_eval_init(&e, src, ips[i]), "init %s", ips[i]);
		res = spf_check_host(&e, "fuzz.test");
		FUZZ_CHECK(res <= SPF_PERMERROR, "result %d", (int)res);
		FUZZ_CHECK(e.lookups <= SPF_MAX_LOOKUPS + 1 &&
			   e.voids <= SPF_MAX_VOIDS + 1, "%d lookups, %d voids",
			   e.lookups, e.voids);
		FUZZ_CHECK(memchr(e.why, '\0', sizeof(e.why)) != NULL,
			   "why not terminated");
	}
	free(rec);
	return 0;
}
