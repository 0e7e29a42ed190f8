/*
 * libFuzzer harness: the module arguments, mu_config_from_args().  The
 * input, split at each NUL or newline, is argv (at most 64 words).  One
 * more argument is always put last: conf= naming a small configuration
 * file that LLVMFuzzerInitialize() writes into a temporary directory of
 * its own, so that the real function runs whole (conf= arguments first,
 * the file, the other arguments, mu_config_finish) while no file other
 * than that one is ever read, whatever conf= the input holds (the last
 * valid conf= wins).  An accepted argv: the dump of the result sets back
 * to the same configuration (fuzz_cfg.h).
 */
#include <limits.h>
#include <unistd.h>

#include "fuzz_cfg.h"

#define MAX_ARGS 64

static char dir[PATH_MAX - 64];
static char conf[PATH_MAX];
static char conf_arg[PATH_MAX + 8];

static void
cleanup(void)
{
	if (conf[0] != '\0')
		(void)unlink(conf);
	if (dir[0] != '\0')
		(void)rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char text[] =
	    "# written by the fuzz harness\n"
	    "db = /nonexistent/fuzz/mailuser.db\n"
	    "default_domain = example.org\n"
	    "hash = sha512crypt\n"
	    "deny = 7\n";
	const char *tmp = getenv("TMPDIR");
	FILE *f;

	(void)argc;
	(void)argv;
	if (tmp == NULL || *tmp != '/' || strlen(tmp) > 200)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/mu-fuzz-args.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		exit(2);
	}
	snprintf(conf, sizeof(conf), "%s/mailuser.conf", dir);
	snprintf(conf_arg, sizeof(conf_arg), "conf=%s", conf);
	atexit(cleanup);
	if ((f = fopen(conf, "wx")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) != 0) {
		perror(conf);
		exit(2);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mu_config *cfg = malloc(sizeof(*cfg));
	const char *argv[MAX_ARGS + 1];
	char *copy = malloc(size + 1);
	size_t i, start;
	int argc = 0, r;

	if (cfg == NULL || copy == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (start = 0, i = 0; i <= size && argc < MAX_ARGS; i++) {
		if (i == size || copy[i] == '\0' || copy[i] == '\n') {
			copy[i] = '\0';
			if (i < size || i > start)
				argv[argc++] = copy + start;
			start = i + 1;
		}
	}
	argv[argc++] = conf_arg;
	r = mu_config_from_args(cfg, argc, argv, &fuzz_nolog);
	FUZZ_CHECK(r == MU_OK || r == MU_E_CONFIG, "returned %d", r);
	if (r == MU_OK) {
		FUZZ_CHECK(strcmp(cfg->conf, conf) == 0, "conf = %s",
			   cfg->conf);
		FUZZ_CHECK(cfg->method != NULL, "no hash method");
		fuzz_config_roundtrip(cfg);
	}
	free(copy);
	free(cfg);
	return 0;
}
