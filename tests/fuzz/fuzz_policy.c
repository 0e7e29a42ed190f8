/*
 * libFuzzer harness: the Postfix policy protocol parser of
 * mailuser-policyd (tools/policyd/proto.c).  The input is what a client
 * sends on one connection, fed to pol_scan in pieces as a connection's
 * reads would bring it (the first byte chooses the piece size), each
 * whole request split by pol_split, as the daemon does.  Properties:
 *   - pol_scan never reads past len and never goes back;
 *   - a request's end is a '\n' ending an empty line ("" or "\r"),
 *     within POL_REQ_MAX bytes;
 *   - a framing error is reported only for what the limits say: a NUL
 *     byte, a line over POL_LINE_MAX, over POL_ATTR_MAX lines, over
 *     POL_REQ_MAX bytes;
 *   - pol_split gives at most POL_ATTR_MAX attributes, each a non-empty
 *     name without '=' and a value, both inside the request, and
 *     pol_get finds the first of a name.
 */
#include <string.h>

#include "fuzz.h"
#include "policyd/proto.h"

static struct pol_req req;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_scan sc;
	size_t step, len, end = 0, have;
	char *buf;
	int i;

	if (size < 1)
		return 0;
	step = (size_t)data[0] + 1;
	data++;
	size--;
	if ((buf = malloc(size + 1)) == NULL)
		abort();
	memcpy(buf, data, size);
	pol_scan_reset(&sc);
	have = 0;
	len = 0;
	for (;;) {
		enum pol_status st;
		size_t before = sc.pos;

		len = have + step < size ? have + step : size;
		st = pol_scan(buf, len, &sc, &end);
		FUZZ_CHECK(sc.pos >= before && sc.pos <= len,
			   "scan position %zu of %zu", sc.pos, len);
		if (st == POL_MORE) {
			FUZZ_CHECK(len < POL_REQ_MAX, "more past the size limit");
			if (len == size)
				break;	/* the client stopped mid-request */
			have = len;
			continue;
		}
		if (st == POL_E_NUL) {
			FUZZ_CHECK(memchr(buf, '\0', len) != NULL, "no NUL");
			break;
		}
		if (st == POL_E_LINE || st == POL_E_ATTRS ||
		    st == POL_E_SIZE) {
			FUZZ_CHECK(pol_strerror(st)[0] != '\0', "no text");
			break;
		}
		FUZZ_CHECK(st == POL_DONE, "status %d", (int)st);
		FUZZ_CHECK(end >= 1 && end <= len && end <= POL_REQ_MAX &&
			   buf[end - 1] == '\n', "end %zu", end);
		FUZZ_CHECK(end == 1 || buf[end - 2] == '\n' ||
			   (buf[end - 2] == '\r' &&
			    (end == 2 || buf[end - 3] == '\n')),
			   "end not after an empty line");
		pol_split(buf, end, &req);
		FUZZ_CHECK(req.n >= 0 && req.n <= POL_ATTR_MAX, "%d attrs",
			   req.n);
		for (i = 0; i < req.n; i++) {
			FUZZ_CHECK(req.a[i].name >= buf &&
				   req.a[i].value < buf + end,
				   "attribute outside the request");
			FUZZ_CHECK(req.a[i].name[0] != '\0' &&
				   strchr(req.a[i].name, '=') == NULL,
				   "bad name");
			FUZZ_CHECK(pol_get(&req, req.a[i].name) != NULL,
				   "pol_get misses a name");
		}
		/* the next request, as the daemon does */
		memmove(buf, buf + end, size - end);
		size -= end;
		have = 0;
		pol_scan_reset(&sc);
		if (size == 0)
			break;
	}
	free(buf);
	return 0;
}
