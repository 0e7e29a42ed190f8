/* dlopen the built module and check that it exports the PAM entry points
 * and nothing else. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "../tap.h"

int
main(int argc, char **argv)
{
	static const char *want[] = { "pam_sm_authenticate",
				      "pam_sm_setcred", "pam_sm_acct_mgmt",
				      "pam_sm_chauthtok" };
	static const char *hidden[] = { "mu_canon", "mu_hash_verify",
					"mu_store_open", "mu_config_set",
					"mu_ct_streq", "mu_logf" };
	struct link_map *lm = NULL;
	const ElfW(Sym) *sym = NULL;
	const char *str = NULL;
	const ElfW(Dyn) *d;
	void *h;
	size_t i, n, exported = 0, others = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: test_symbols MODULE\n");
		return 2;
	}
	h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	CHECK(h != NULL, "dlopen %s", argv[1]);
	if (h == NULL) {
		printf("# %s\n", dlerror());
		return 1;
	}
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(dlsym(h, want[i]) != NULL, "%s exported", want[i]);
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		CHECK(dlsym(h, hidden[i]) == NULL, "%s hidden", hidden[i]);

	/* Walk .dynsym: every defined global symbol must be pam_sm_*. */
	dlinfo(h, RTLD_DI_LINKMAP, &lm);
	for (d = lm->l_ld; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			sym = (const ElfW(Sym) *)d->d_un.d_ptr;
		else if (d->d_tag == DT_STRTAB)
			str = (const char *)d->d_un.d_ptr;
	}
	CHECK(sym != NULL && str != NULL && (const char *)sym < str,
	      "dynamic symbol table found");
	if (sym == NULL || str == NULL || (const char *)sym >= str)
		return 1;
	/* GNU ld places .dynstr right after .dynsym */
	n = (size_t)((const char *)str - (const char *)sym) / sizeof(*sym);
	for (i = 1; i < n; i++) {
		const char *name = str + sym[i].st_name;
		int bind = ELF64_ST_BIND(sym[i].st_info);

		if (sym[i].st_shndx == SHN_UNDEF ||
		    (bind != STB_GLOBAL && bind != STB_WEAK))
			continue;
		if (strncmp(name, "pam_sm_", 7) == 0) {
			exported++;
		} else {
			printf("# unexpected export: %s\n", name);
			others++;
		}
	}
	CHECK(exported == 4, "exactly 4 pam_sm_* symbols (%zu)", exported);
	CHECK(others == 0, "no other symbols exported (%zu)", others);
	dlclose(h);
	return tap_failed != 0;
}
