/* The escapes of SPEC 1's TSV dialect, in both directions. */
#include <string.h>

#include "tsv.h"

size_t
tsv_unescape(char *dst, const char *src, size_t len)
{
	const char *end = src + len;
	char *d = dst;

	while (src < end) {
		if (*src != '\\' || src + 1 == end) {
			*d++ = *src++;
			continue;
		}
		switch (src[1]) {
		case 't':  *d++ = '\t'; break;
		case 'n':  *d++ = '\n'; break;
		case 'r':  *d++ = '\r'; break;
		case '\\': *d++ = '\\'; break;
		default:   /* not an escape: keep both bytes */
			*d++ = src[0];
			*d++ = src[1];
		}
		src += 2;
	}
	return d - dst;
}

/* Bytes that take two to write: a table, as this runs on every text field. */
static const unsigned char escape_cost[256] = {
	['\t'] = 1, ['\n'] = 1, ['\r'] = 1, ['\\'] = 1
};

size_t
tsv_escaped_len(const char *src, size_t len)
{
	const unsigned char *p = (const unsigned char *)src;
	size_t i, n = len;

	for (i = 0; i < len; i++)
		n += escape_cost[p[i]];
	return n;
}

size_t
tsv_escape(char *dst, const char *src, size_t len)
{
	char *d = dst;
	size_t i;

	for (i = 0; i < len; i++) {
		switch (src[i]) {
		case '\t': *d++ = '\\'; *d++ = 't'; break;
		case '\n': *d++ = '\\'; *d++ = 'n'; break;
		case '\r': *d++ = '\\'; *d++ = 'r'; break;
		case '\\': *d++ = '\\'; *d++ = '\\'; break;
		default:   *d++ = src[i];
		}
	}
	return d - dst;
}
