/*
 * Buffered output with every write checked.  A failed write is kept in
 * o->error and later output is dropped, so a filter that checks
 * out_failed() once per row stops early, and out_close() reports it.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "date.h"
#include "ealloc.h"
#include "money.h"
#include "out.h"
#include "tsv.h"

#define OUT_BLOCK	(256 * 1024)

struct out *
out_open_fd(int fd)
{
	struct out *o = ecalloc(1, sizeof(*o));

	o->fd = fd;
	o->size = OUT_BLOCK;
	o->buf = emalloc(o->size);
	o->sep = '\t';
	return o;
}

struct out *
out_open_memory(void)
{
	return out_open_fd(-1);
}

struct out *
out_open_path(const char *path, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	return fd < 0 ? NULL : out_open_fd(fd);
}

static struct out *drafts;	/* out_open_whole's, not yet closed */

/* At exit (err(3) included), drafts never closed go: no partial file. */
static void
remove_drafts(void)
{
	struct out *o;

	for (o = drafts; o != NULL; o = o->next)
		unlink(o->temp);
}

struct out *
out_open_whole(const char *path, int mode)
{
	static int registered;
	const char *slash = strrchr(path, '/');
	struct stat st;
	struct out *o;
	size_t dir = slash ? (size_t)(slash - path + 1) : 0;
	mode_t mask;
	int saved;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return out_open_path(path, mode);
	if (!registered && atexit(remove_drafts) == 0)
		registered = 1;
	/* Everything that can run out of memory first, then the draft. */
	o = out_open_fd(-1);
	o->path = estrdup(path);
	o->temp = emalloc(strlen(path) + 16);
	snprintf(o->temp, strlen(path) + 16, "%.*s.%s.XXXXXX", (int)dir, path,
	    path + dir);
	if ((o->fd = mkstemp(o->temp)) < 0) {
		free(o->temp);
		free(o->path);
		free(o->buf);
		free(o);
		return out_open_path(path, mode);
	}
	o->next = drafts;
	drafts = o;
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, mode & ~mask) < 0) {
		saved = errno;
		o->error = saved;
		out_close(o);
		errno = saved;
		return NULL;
	}
	return o;
}

/* The draft renamed over its file, or removed when the output failed. */
static void
finish_draft(struct out *o)
{
	struct out **p;

	for (p = &drafts; *p != o; p = &(*p)->next)
		;
	*p = o->next;
	if (o->error == 0 && rename(o->temp, o->path) < 0)
		o->error = errno;
	if (o->error != 0)
		unlink(o->temp);
	free(o->temp);
	free(o->path);
}

static void
write_all(struct out *o, const char *s, size_t len)
{
	ssize_t n;

	while (len > 0 && o->error == 0) {
		n = write(o->fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			o->error = n < 0 ? errno : EIO;
			return;
		}
		s += n;
		len -= n;
	}
}

int
out_flush(struct out *o)
{
	if (o->fd < 0)
		return 0;	/* in memory: kept for whoever takes it */
	write_all(o, o->buf, o->len);
	o->len = 0;
	return o->error ? -1 : 0;
}

/* The buffer is full: flush it, then buffer s, or write it if it is big. */
void
out_bytes_slow(struct out *o, const void *s, size_t len)
{
	if (o->fd < 0) {
		while (o->len + len > o->size)
			o->size *= 2;
		o->buf = ereallocarray(o->buf, o->size, 1);
		memcpy(o->buf + o->len, s, len);
		o->len += len;
		return;
	}
	out_flush(o);
	if (len > o->size) {
		write_all(o, s, len);
		return;
	}
	memcpy(o->buf + o->len, s, len);
	o->len += len;
}

static int
csv_needs_quotes(const struct out *o, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == o->sep || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			return 1;
	return 0;
}

static void
out_csv_text(struct out *o, const char *s, size_t len)
{
	const char *q;

	if (!csv_needs_quotes(o, s, len)) {
		out_bytes(o, s, len);
		return;
	}
	out_char(o, '"');
	while ((q = memchr(s, '"', len)) != NULL) {
		out_bytes(o, s, q - s + 1);
		out_char(o, '"');
		len -= q - s + 1;
		s = q + 1;
	}
	out_bytes(o, s, len);
	out_char(o, '"');
}

void
out_text(struct out *o, const char *s, size_t len)
{
	size_t need;

	if (o->csv) {
		out_csv_text(o, s, len);
		return;
	}
	need = tsv_escaped_len(s, len);
	if (need == len) {
		out_bytes(o, s, len);
		return;
	}
	if (o->len + need > o->size)
		out_flush(o);
	if (need > o->size) {	/* a field bigger than the buffer */
		char *tmp = emalloc(need);

		write_all(o, tmp, tsv_escape(tmp, s, len));
		free(tmp);
		return;
	}
	o->len += tsv_escape(o->buf + o->len, s, len);
}

void
out_str(struct out *o, const char *s)
{
	out_text(o, s, strlen(s));
}

void
out_i64(struct out *o, int64_t v)
{
	char buf[24], *p = buf + sizeof(buf);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--p = '0' + u % 10;
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	out_bytes(o, p, buf + sizeof(buf) - p);
}

void
out_money(struct out *o, int64_t minor, int exponent)
{
	char buf[MONEY_TEXT_MAX];

	out_bytes(o, buf, money_format(buf, minor, exponent));
}

void
out_date(struct out *o, int32_t day)
{
	char buf[DATE_TEXT_MAX];

	out_bytes(o, buf, date_format(buf, day));
}

int
out_failed(const struct out *o)
{
	return o->error != 0;
}

int
out_close(struct out *o)
{
	int failed;

	out_flush(o);
	if (o->fd >= 0 && close(o->fd) < 0 && o->error == 0)
		o->error = errno;
	if (o->temp != NULL)
		finish_draft(o);
	failed = o->error != 0;
	if (failed)
		errno = o->error;
	free(o->buf);
	free(o);
	return failed ? -1 : 0;
}
