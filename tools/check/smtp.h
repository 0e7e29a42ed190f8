/*
 * SMTP for mailserver-check: a reply parser (smtp_reply.c, no I/O) and
 * the relay probe (smtp.c).
 */
#ifndef CHK_SMTP_H
#define CHK_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include "check.h"

#define SMTP_LINE_MAX 2048	/* RFC 5321 says 512; be lenient */
#define SMTP_REPLY_MAX 4096	/* text of all lines of one reply */
#define SMTP_LINES_MAX 64

struct smtp_reply {
	int code;		/* 0 until the first line */
	size_t nlines;
	bool done;
	char text[SMTP_REPLY_MAX];	/* the lines' texts, '\n' between */
};

void smtp_reply_init(struct smtp_reply *r);

/* Feed one line (without its CR LF; len bytes, not NUL-terminated).
 * Returns 1 when the reply is complete ("NNN" or "NNN text" line), 0
 * when more lines follow ("NNN-text"), -1 on a malformed line: not
 * three digits 2-5, 0-5, 0-9 then ' ', '-' or the end; a code other
 * than the first line's; a NUL byte; more than SMTP_LINES_MAX lines.
 * Text beyond SMTP_REPLY_MAX is dropped. */
int smtp_reply_line(struct smtp_reply *r, const char *line, size_t len);

/* In an EHLO reply: the line of the extension kw (case-insensitive),
 * its parameters in params (may be NULL).  The first line is the
 * greeting, not an extension. */
bool smtp_ehlo_has(const struct smtp_reply *r, const char *kw,
		   char *params, size_t plen);

/* The first word of the first line (the server's name in a banner or
 * an EHLO reply), into out. */
void smtp_first_word(const struct smtp_reply *r, char *out, size_t len);

/* ---- the probe (smtp.c) ---- */
struct smtp_probe {
	const char *target;	/* HOST[:PORT], [v6]:PORT */
	const char *helo;	/* the name we give in EHLO */
	const char *xclient;	/* probe as this address, or NULL */
	const char *rcpt;	/* the foreign recipient */
	const char *host;	/* the server's expected name (--host) */
	const struct strlist *own_ips;	/* the server's addresses (--ip) */
	unsigned timeout_ms;
};

/* Run the probe and add the results "relay", "smtp-auth" and
 * "smtp-name" to rep.  The banner name is copied to banner (may be
 * empty when the server could not be reached). */
void smtp_check(const struct smtp_probe *p, struct report *rep,
		char *banner, size_t blen);

/* Split HOST[:PORT] ([v6] or [v6]:PORT for IPv6).  false if malformed. */
bool smtp_split_target(const char *target, char *host, size_t hlen,
		       char *port, size_t plen);

#endif
