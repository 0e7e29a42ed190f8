/*
 * libFuzzer harness: the SMTP reply parser of mailserver-check
 * (tools/check/smtp_reply.c).  The input is split into lines at '\n' (a
 * NUL byte stays inside its line) and fed until the reply is complete or
 * refused; then the EHLO helpers read it.
 * Properties:
 *   - a complete reply has a code from 200 to 559, at least one line, at
 *     most SMTP_LINES_MAX, and NUL-terminated text under SMTP_REPLY_MAX;
 *   - after a complete or refused reply, feeding more is refused;
 *   - smtp_first_word() and smtp_ehlo_has() stay in their buffers.
 */
#include <string.h>

#include "fuzz.h"
#include "check/smtp.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_reply r;
	const char *p = (const char *)data, *end = p + size;
	char word[16], params[8];
	int k = 0;

	smtp_reply_init(&r);
	while (p <= end && k == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = malloc(n ? n : 1);	/* exact size, no NUL */

		if (line == NULL)
			abort();
		memcpy(line, p, n);
		k = smtp_reply_line(&r, line, n);
		free(line);
		p += n + 1;
	}
	FUZZ_CHECK(memchr(r.text, '\0', sizeof(r.text)) != NULL,
		   "text not terminated");
	if (k == 1) {
		FUZZ_CHECK(r.done && r.code >= 200 && r.code <= 559 &&
			   r.nlines >= 1 && r.nlines <= SMTP_LINES_MAX,
			   "code %d, %zu lines", r.code, r.nlines);
		FUZZ_CHECK(smtp_reply_line(&r, "250 x", 5) == -1,
			   "accepted a line after the last");
		smtp_first_word(&r, word, sizeof(word));
		FUZZ_CHECK(strlen(word) < sizeof(word), "word");
		(void)smtp_ehlo_has(&r, "AUTH", params, sizeof(params));
		(void)smtp_ehlo_has(&r, "XCLIENT", NULL, 0);
	}
	return 0;
}
