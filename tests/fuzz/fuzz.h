/*
 * What every harness shares.  A harness is LLVMFuzzerTestOneInput over one
 * parser; it checks properties of what the parser returns, not only that
 * it returns, and calls fuzz_fail (abort) when one does not hold, so
 * libFuzzer keeps the input and the replay driver fails the test.
 */
#ifndef FUZZ_H
#define FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/*
 * The input as a file for readers that take a path: one scratch file per
 * process, rewritten for every input.  Returns its path.
 */
const char *fuzz_file(const uint8_t *data, size_t size);

/* A new empty scratch file (in memory); returns its path. */
const char *fuzz_scratch(void);

/* A byte from the front of the input, to pick options; 0 when empty. */
static inline unsigned
fuzz_take(const uint8_t **data, size_t *size)
{
	unsigned c;

	if (*size == 0)
		return 0;
	c = **data;
	(*data)++;
	(*size)--;
	return c;
}

#endif
