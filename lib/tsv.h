/* The TSV dialect of SPEC 1: \t \n \r \\ escapes inside fields. */
#ifndef TSV_H
#define TSV_H
#include <stddef.h>

/* Unescape len bytes of src into dst (room for len); returns the new length. */
size_t	tsv_unescape(char *dst, const char *src, size_t len);

/* Bytes needed to escape src; equals len when it needs no escaping. */
size_t	tsv_escaped_len(const char *src, size_t len);

/* Escape src into dst (room for tsv_escaped_len); returns the length. */
size_t	tsv_escape(char *dst, const char *src, size_t len);

#endif
