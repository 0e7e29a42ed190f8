/*
 * SMTP replies (RFC 5321 4.2): "NNN-text" lines then one "NNN text" or
 * "NNN" line, all with the same code.  No I/O here.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "smtp.h"

void
smtp_reply_init(struct smtp_reply *r)
{
	memset(r, 0, sizeof(*r));
}

int
smtp_reply_line(struct smtp_reply *r, const char *line, size_t len)
{
	size_t used, room, tl;
	int code;

	if (r->done || len < 3 || memchr(line, '\0', len) != NULL)
		return -1;
	if (line[0] < '2' || line[0] > '5' || line[1] < '0' || line[1] > '5' ||
	    !isdigit((unsigned char)line[2]))
		return -1;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return -1;
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (r->nlines > 0 && code != r->code)
		return -1;
	if (r->nlines >= SMTP_LINES_MAX)
		return -1;
	r->code = code;
	/* the text, '\n' between lines, cut at SMTP_REPLY_MAX */
	used = strlen(r->text);
	room = sizeof(r->text) - used - 1;
	if (r->nlines > 0 && room > 0) {
		r->text[used++] = '\n';
		room--;
	}
	tl = len > 4 ? len - 4 : 0;
	if (tl > room)
		tl = room;
	memcpy(r->text + used, line + 4, tl);
	r->text[used + tl] = '\0';
	r->nlines++;
	if (len == 3 || line[3] == ' ') {
		r->done = true;
		return 1;
	}
	return 0;
}

bool
smtp_ehlo_has(const struct smtp_reply *r, const char *kw, char *params,
	      size_t plen)
{
	const char *l = strchr(r->text, '\n');
	size_t kl = strlen(kw);

	while (l != NULL) {
		const char *next = strchr(++l, '\n');
		size_t ll = next ? (size_t)(next - l) : strlen(l);

		if (ll >= kl && strncasecmp(l, kw, kl) == 0 &&
		    (ll == kl || l[kl] == ' ' || l[kl] == '=')) {
			if (params != NULL && plen > 0) {
				size_t pl = ll > kl ? ll - kl - 1 : 0;

				if (pl >= plen)
					pl = plen - 1;
				memcpy(params, ll > kl ? l + kl + 1 : "", pl);
				params[pl] = '\0';
			}
			return true;
		}
		l = next;
	}
	return false;
}

void
smtp_first_word(const struct smtp_reply *r, char *out, size_t len)
{
	size_t n = strcspn(r->text, " \n");

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(out, r->text, n);
	out[n] = '\0';
}
