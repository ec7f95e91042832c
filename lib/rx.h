/*
 * PCRE2 with the project's allocator: a pattern that cannot be compiled
 * for want of memory exits 70, as emalloc does, rather than passing for
 * "no match" (an email taken for invalid, a phone for impossible).
 */
#ifndef RX_H
#define RX_H
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* Compile (and JIT-compile where the machine allows); NULL only for a
 * pattern that does not compile. */
pcre2_code	*rx_compile(const char *pattern, uint32_t options);

/* Match data for code; never NULL. */
pcre2_match_data *rx_match_data(const pcre2_code *code);

#endif
