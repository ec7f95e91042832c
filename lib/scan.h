/*
 * Finding one byte in a short field.  Fields are a few bytes long, so a
 * memchr call per field costs more than the search itself: look at eight
 * bytes at a time instead (the byte sought becomes zero under XOR, and the
 * zero-byte test finds the first one exactly on a little-endian machine).
 */
#ifndef SCAN_H
#define SCAN_H
#include <stdint.h>
#include <string.h>

/* The first c at or after p, or end. */
static inline const char *
scan_byte(const char *p, const char *end, unsigned char c)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t word, x, zero;

	while (end - p >= 8) {
		memcpy(&word, p, 8);
		x = word ^ (ones * c);
		zero = (x - ones) & ~x & highs;
		if (zero)
			return p + (__builtin_ctzll(zero) >> 3);
		p += 8;
	}
#endif
	while (p < end && (unsigned char)*p != c)
		p++;
	return p;
}

/* The first a or b at or after p, or end. */
static inline const char *
scan_either(const char *p, const char *end, unsigned char a, unsigned char b)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t word, x, y, zero;

	while (end - p >= 8) {
		memcpy(&word, p, 8);
		x = word ^ (ones * a);
		y = word ^ (ones * b);
		zero = ((x - ones) & ~x) | ((y - ones) & ~y);
		zero &= highs;
		if (zero)
			return p + (__builtin_ctzll(zero) >> 3);
		p += 8;
	}
#endif
	while (p < end && (unsigned char)*p != a && (unsigned char)*p != b)
		p++;
	return p;
}

#endif
