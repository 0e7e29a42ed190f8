/*
 * libFuzzer harness: the configuration file parser, mu_config_parse(),
 * over the input as the text of a file (no file is opened).  Any input:
 * no crash, no leak, no sanitizer report.  An accepted text: the
 * combination check (mu_config_finish) runs, and the dump of the result
 * sets back to the same configuration (fuzz_cfg.h).
 */
#include "fuzz_cfg.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mu_config *cfg = malloc(sizeof(*cfg));
	int r;

	if (cfg == NULL)
		abort();
	mu_config_defaults(cfg);
	r = mu_config_parse(cfg, (const char *)data, size, "fuzz.conf",
			    &fuzz_nolog);
	FUZZ_CHECK(r == MU_OK || r == MU_E_CONFIG, "returned %d", r);
	if (r == MU_OK && mu_config_finish(cfg, &fuzz_nolog) == MU_OK)
		fuzz_config_roundtrip(cfg);
	free(cfg);
	return 0;
}
