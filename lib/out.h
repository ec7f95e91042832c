/*
 * Buffered, checked output.  Every filter writes its rows through one
 * struct out; a failed write is remembered (out_failed) so the filter can
 * stop and exit 74 instead of reporting success.
 */
#ifndef OUT_H
#define OUT_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct out {
	int	 fd;
	char	*buf;
	size_t	 len;
	size_t	 size;
	int	 error;		/* errno of the first failed write, or 0 */
	int	 csv;		/* 1: fields are CSV-quoted, not TSV-escaped */
	char	 sep;
	char	*path, *temp;	/* out_open_whole's file and its draft */
	struct out *next;	/* drafts not yet closed */
};

struct out *out_open_fd(int fd);
/*
 * Output kept in memory, its buffer growing: o->buf holds o->len bytes
 * until the owner writes them elsewhere and sets o->len to 0.
 */
struct out *out_open_memory(void);
/* Create path with mode (0644, 0600 ...); NULL with errno set on failure. */
struct out *out_open_path(const char *path, int mode);
/*
 * The same, but the file appears whole or not at all: written as a draft
 * beside it (".NAME.XXXXXX") and renamed over it by a successful
 * out_close; a failed close, or an exit before it, removes the draft and
 * leaves what was there.  A path that exists and is not a regular file
 * (/dev/stdout, a pipe), or beside which no draft can be made (a
 * directory one may not write in, /proc/self/fd/N), is written directly.
 */
struct out *out_open_whole(const char *path, int mode);

void	out_bytes_slow(struct out *o, const void *s, size_t len);

/* Inline: these two run for every field of every row. */
static inline void
out_bytes(struct out *o, const void *s, size_t len)
{
	if (len == 0)
		return;		/* s may be NULL then, which memcpy must not see */
	if (o->len + len <= o->size) {
		memcpy(o->buf + o->len, s, len);
		o->len += len;
	} else
		out_bytes_slow(o, s, len);
}

static inline void
out_char(struct out *o, char c)
{
	if (o->len == o->size)
		out_bytes_slow(o, &c, 1);
	else
		o->buf[o->len++] = c;
}

/* A field from unescaped text: TSV-escaped (or CSV-quoted in csv mode). */
void	out_text(struct out *o, const char *s, size_t len);
void	out_str(struct out *o, const char *s);
void	out_i64(struct out *o, int64_t v);
void	out_money(struct out *o, int64_t minor, int exponent);
void	out_date(struct out *o, int32_t day);
#define out_tab(o)	out_char((o), (o)->sep)
#define out_nl(o)	out_char((o), '\n')

/* Write what is buffered; -1 if any write so far failed. */
int	out_flush(struct out *o);
int	out_failed(const struct out *o);
/* Flush and close; -1 if any write (or the close) failed. */
int	out_close(struct out *o);

#endif
