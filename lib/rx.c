/* PCRE2 through emalloc: running out of memory is exit 70, never a miss. */
#include <stdlib.h>

#include "ealloc.h"
#include "rx.h"

static void *
rx_malloc(PCRE2_SIZE size, void *data)
{
	(void)data;
	return emalloc(size);
}

static void
rx_free(void *p, void *data)
{
	(void)data;
	free(p);
}

static pcre2_general_context *
rx_context(void)
{
	static pcre2_general_context *context;

	if (context == NULL &&
	    (context = pcre2_general_context_create(rx_malloc, rx_free,
	    NULL)) == NULL)
		emalloc((size_t)-1 / 2);	/* cannot happen: rx_malloc exits */
	return context;
}

pcre2_code *
rx_compile(const char *pattern, uint32_t options)
{
	pcre2_compile_context *cc = pcre2_compile_context_create(rx_context());
	pcre2_code *code;
	PCRE2_SIZE offset;
	int error;

	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, options,
	    &error, &offset, cc);
	pcre2_compile_context_free(cc);
	if (code != NULL)
		(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); /* else interpreted */
	return code;
}

pcre2_match_data *
rx_match_data(const pcre2_code *code)
{
	return pcre2_match_data_create_from_pattern(code, rx_context());
}
