/*
 * Person names folded for comparison.  The folding is deliberately
 * simple: exports spell one person as "SMITH, JOHN", "Mr John Smith" and
 * "john  smith", and those must meet; telling apart two real people of
 * the same name is not the fold's job but the linking rules'.
 */
#include <string.h>

#include "name.h"

#define TOKENS_MAX	16

struct tokens {
	char	buf[NAME_FOLD_MAX];
	size_t	len;
	size_t	start[TOKENS_MAX];
	size_t	tlen[TOKENS_MAX];
	int	n;
	int	comma;		/* tokens before the first comma, or -1 */
	int	state;		/* 0 between tokens, 1 in one, -1 dropping one */
};

/*
 * U+00C0-U+00FF and U+0100-U+017F without their accents; capitals stand
 * for two letters (A ae, T th, S ss, I ij, O oe), space for a separator.
 */
static const char latin1[] =
    "aaaaaaAceeeeiiiidnooooo ouuuuyTS"
    "aaaaaaAceeeeiiiidnooooo ouuuuyTy";
static const char latin_ext_a[] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiIIjjkkkllllllllll"
    "nnnnnnnnnooooooOOrrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

_Static_assert(sizeof(latin1) == 64 + 1, "latin1 covers U+00C0-U+00FF");
_Static_assert(sizeof(latin_ext_a) == 128 + 1, "covers U+0100-U+017F");

static const char *const honorifics[] = {
	"dame", "dr", "frau", "herr", "madam", "messrs", "miss", "mlle", "mme",
	"mr", "mrs", "ms", "mx", "prof", "rev", "sir", "sra", "srta", NULL
};
static const char *const suffixes[] = {
	"cpa", "dds", "esq", "ii", "iii", "iv", "jnr", "jr", "mba", "md", "phd",
	"snr", "sr", NULL
};

static void
end_token(struct tokens *t)
{
	t->state = 0;
}

static void
put_char(struct tokens *t, char c)
{
	if (t->state == 0) {
		if (t->n == TOKENS_MAX || t->len + 1 >= sizeof(t->buf)) {
			t->state = -1;
			return;
		}
		t->start[t->n] = t->len;
		t->tlen[t->n++] = 0;
		t->state = 1;
	}
	if (t->state == -1 || t->len + 1 >= sizeof(t->buf))
		return;
	t->buf[t->len++] = c;
	t->tlen[t->n - 1]++;
}

static void
put_folded(struct tokens *t, char c)
{
	switch (c) {
	case ' ': end_token(t); break;
	case 'A': put_char(t, 'a'); put_char(t, 'e'); break;
	case 'T': put_char(t, 't'); put_char(t, 'h'); break;
	case 'S': put_char(t, 's'); put_char(t, 's'); break;
	case 'I': put_char(t, 'i'); put_char(t, 'j'); break;
	case 'O': put_char(t, 'o'); put_char(t, 'e'); break;
	default:  put_char(t, c);
	}
}

/* Bytes of the UTF-8 character at s that were consumed (1 or more). */
static size_t
scan_char(struct tokens *t, const unsigned char *s, size_t left)
{
	unsigned c = s[0];

	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		put_char(t, c);
	else if (c >= 'A' && c <= 'Z')
		put_char(t, c | 0x20);
	else if (c == '\'' || c == '`')
		;	/* O'Brien and OBrien */
	else if (c == ',') {
		end_token(t);
		if (t->comma < 0)
			t->comma = t->n;
	} else if (c < 0x80)
		end_token(t);
	else if (left >= 2 && c == 0xc3 && s[1] >= 0x80 && s[1] <= 0xbf) {
		put_folded(t, latin1[s[1] - 0x80]);
		return 2;
	} else if (left >= 2 && (c == 0xc4 || c == 0xc5) && s[1] >= 0x80 &&
	    s[1] <= 0xbf) {
		put_folded(t, latin_ext_a[((c & 1) << 6) | (s[1] & 0x3f)]);
		return 2;
	} else if (left >= 2 && c == 0xc2 && s[1] == 0xa0) {
		end_token(t);
		return 2;
	} else if (left >= 3 && c == 0xe2 && s[1] == 0x80 &&
	    (s[2] == 0x98 || s[2] == 0x99))
		return 3;	/* typographic apostrophes */
	else
		put_char(t, c);	/* other scripts: kept as they are */
	return 1;
}

static int
in_words(const char *const *words, const char *s, size_t len)
{
	for (; *words; words++)	/* first letters first: this runs per word */
		if (**words == *s && strlen(*words) == len &&
		    memcmp(*words, s, len) == 0)
			return 1;
	return 0;
}

static int
is_title(const struct tokens *t, int i)
{
	const char *s = t->buf + t->start[i];

	return in_words(honorifics, s, t->tlen[i]) ||
	    in_words(suffixes, s, t->tlen[i]);
}

/* The token order: "Last, First" turned around unless after the comma are only titles. */
static int
order_tokens(const struct tokens *t, int *order)
{
	int i, n = 0, titles_only = 1;

	if (t->comma > 0 && t->comma < t->n) {
		for (i = t->comma; i < t->n; i++)
			titles_only &= is_title(t, i);
		if (!titles_only)
			for (i = t->comma; i < t->n; i++)
				order[n++] = i;
		for (i = 0; i < t->comma; i++)
			order[n++] = i;
		return n;
	}
	for (i = 0; i < t->n; i++)
		order[n++] = i;
	return n;
}

size_t
name_fold(const char *s, size_t len, char *dst, size_t size)
{
	struct tokens t;
	int order[TOKENS_MAX], i, n, kept = 0;
	size_t off = 0, out = 0;

	memset(&t, 0, sizeof(t));
	t.comma = -1;
	while (off < len)
		off += scan_char(&t, (const unsigned char *)s + off, len - off);
	n = order_tokens(&t, order);
	for (i = 0; i < n; i++)
		kept += !is_title(&t, order[i]);
	for (i = 0; i < n; i++) {
		size_t tl = t.tlen[order[i]];

		if (kept > 0 && is_title(&t, order[i]))
			continue;
		if (out + (out > 0) + tl + 1 > size)
			break;
		if (out > 0)
			dst[out++] = ' ';
		memcpy(dst + out, t.buf + t.start[order[i]], tl);
		out += tl;
	}
	if (size > 0)
		dst[out] = '\0';
	return out;
}

struct words {
	const char	*s[TOKENS_MAX];
	size_t		 len[TOKENS_MAX];
	int		 n;
};

static void
split_words(const char *s, struct words *w)
{
	w->n = 0;
	while (*s && w->n < TOKENS_MAX) {
		size_t len = strcspn(s, " ");

		w->s[w->n] = s;
		w->len[w->n++] = len;
		s += len;
		s += *s == ' ';
	}
}

static int
word_eq(const struct words *a, int i, const struct words *b, int j)
{
	return a->len[i] == b->len[j] && memcmp(a->s[i], b->s[j], a->len[i]) == 0;
}

/* Equal, or one is the initial of the other. */
static int
given_fits(const struct words *a, int i, const struct words *b, int j)
{
	if (a->len[i] == 1 || b->len[j] == 1)
		return a->s[i][0] == b->s[j][0];
	return word_eq(a, i, b, j);
}

/* The last word of a is a word of b after its first. */
static int
surname_in(const struct words *a, const struct words *b)
{
	int j;

	for (j = 1; j < b->n; j++)
		if (word_eq(a, a->n - 1, b, j))
			return 1;
	return 0;
}

int
name_compatible(const char *a, const char *b)
{
	struct words wa, wb;
	int i;

	if (*a == '\0' || *b == '\0' || strcmp(a, b) == 0)
		return 1;
	split_words(a, &wa);
	split_words(b, &wb);
	if (wa.n == 1 || wb.n == 1) {
		const struct words *one = wa.n == 1 ? &wa : &wb;
		const struct words *other = wa.n == 1 ? &wb : &wa;

		for (i = 0; i < other->n; i++)
			if (given_fits(one, 0, other, i))
				return 1;
		return 0;
	}
	if (word_eq(&wa, 0, &wb, wb.n - 1) && word_eq(&wa, wa.n - 1, &wb, 0))
		return 1;
	return (surname_in(&wa, &wb) || surname_in(&wb, &wa)) &&
	    given_fits(&wa, 0, &wb, 0);
}
