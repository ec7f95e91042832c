/* Header aliases: folded names against PCRE2 patterns (JIT), plus a map. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alias.h"
#include "ealloc.h"

struct mapped {
	char	*folded;
	int	 index;
};

struct alias {
	const struct alias_spec	*specs;
	size_t			 nspecs;
	pcre2_code		**codes;
	pcre2_match_data	*match;
	struct mapped		*map;
	size_t			 nmap;
};

size_t
alias_fold(char *out, const char *name, size_t len)
{
	size_t i, n = 0;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)name[i];
		if (c >= 'A' && c <= 'Z')
			out[n++] = c - 'A' + 'a';
		else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80)
			out[n++] = c;
	}
	out[n] = '\0';
	return n;
}

static pcre2_code *
compile(const char *pattern, const char **errstr)
{
	char *anchored;
	size_t len = strlen(pattern) + 8;
	pcre2_code *code;
	PCRE2_SIZE offset;
	int error;

	anchored = emalloc(len);
	snprintf(anchored, len, "^(?:%s)$", pattern);
	code = pcre2_compile((PCRE2_SPTR)anchored, PCRE2_ZERO_TERMINATED, 0,
	    &error, &offset, NULL);
	free(anchored);
	if (code == NULL) {
		*errstr = "alias pattern does not compile";
		return NULL;
	}
	pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);	/* else interpreted */
	return code;
}

struct alias *
alias_new(const struct alias_spec *specs, size_t nspecs, const char **errstr)
{
	struct alias *a = ecalloc(1, sizeof(*a));
	size_t i;

	a->specs = specs;
	a->nspecs = nspecs;
	a->codes = ecalloc(nspecs, sizeof(*a->codes));
	for (i = 0; i < nspecs; i++)
		if ((a->codes[i] = compile(specs[i].pattern, errstr)) == NULL) {
			alias_free(a);
			return NULL;
		}
	/* unchecked, every name would fail to match: "missing column" */
	if ((a->match = pcre2_match_data_create(4, NULL)) == NULL) {
		*errstr = "out of memory";
		alias_free(a);
		return NULL;
	}
	return a;
}

static int
canonical_index(const struct alias *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->nspecs; i++)
		if (strcmp(a->specs[i].canonical, name) == 0)
			return (int)i;
	return -1;
}

static int
map_line(struct alias *a, char *text, const char **errstr)
{
	char *tab = strchr(text, '\t'), *folded;
	int index;

	if (tab == NULL) {
		*errstr = "want source name, a tab, and a canonical name";
		return -1;
	}
	*tab = '\0';
	if ((index = canonical_index(a, tab + 1)) < 0) {
		*errstr = "unknown canonical name";
		return -1;
	}
	folded = emalloc(strlen(text) + 1);
	if (alias_fold(folded, text, strlen(text)) == 0) {
		free(folded);
		*errstr = "source name has no letters or digits";
		return -1;
	}
	a->map = ereallocarray(a->map, a->nmap + 1, sizeof(*a->map));
	a->map[a->nmap].folded = folded;
	a->map[a->nmap++].index = index;
	return 0;
}

int
alias_load_map(struct alias *a, const char *path, long *line,
    const char **errstr)
{
	FILE *fp = fopen(path, "r");
	char *text = NULL;
	size_t size = 0;
	ssize_t len;
	int failed = 0;

	*line = 0;
	if (fp == NULL) {
		*errstr = strerror(errno);
		return -1;
	}
	while (!failed && (len = getline(&text, &size, fp)) >= 0) {
		++*line;
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
			text[--len] = '\0';
		if (len == 0 || text[0] == '#')
			continue;
		failed = map_line(a, text, errstr) < 0;
	}
	if (!failed && ferror(fp)) {
		*errstr = strerror(errno);
		*line = 0;
		failed = 1;
	}
	free(text);
	fclose(fp);
	return failed ? -1 : 0;
}

int
alias_match(const struct alias *a, const char *name, size_t len)
{
	char stack[256], *folded = len < sizeof(stack) ? stack : emalloc(len + 1);
	size_t flen = alias_fold(folded, name, len), i;
	int found = -1;

	for (i = 0; i < a->nmap && found < 0; i++)
		if (strcmp(a->map[i].folded, folded) == 0)
			found = a->map[i].index;
	for (i = 0; i < a->nspecs && found < 0 && flen > 0; i++)
		if (pcre2_match(a->codes[i], (PCRE2_SPTR)folded, flen, 0, 0,
		    a->match, NULL) >= 0)
			found = (int)i;
	if (folded != stack)
		free(folded);
	return found;
}

void
alias_free(struct alias *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->nspecs; i++)
		pcre2_code_free(a->codes[i]);
	for (i = 0; i < a->nmap; i++)
		free(a->map[i].folded);
	free(a->codes);
	free(a->map);
	pcre2_match_data_free(a->match);
	free(a);
}
