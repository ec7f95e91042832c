/*
 * A row made a contact: the values normalized (email, phone to E.164,
 * folded name and address) into the batch, the arena and the contact
 * array that hold the rows in memory.  Nothing here allocates per row:
 * the arena and the array grow by doubling and are reused.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "date.h"
#include "ealloc.h"
#include "email.h"
#include "name.h"
#include "phone.h"
#include "tsv.h"

#include "dedupe.h"

const char *const contact_columns[NCOLUMNS] = {
	"contact_id", "customer_id", "source", "name", "email", "phone",
	"phone_ext", "address", "role", "language", "preferred_channel",
	"verified_date", "updated_date",
};

int
text_cmp(const struct state *st, struct text a, struct text b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = memcmp(T(st, a), T(st, b), n);

	return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* --- the batch ------------------------------------------------------ */

/* Room for text_len more bytes of text and n more contacts. */
void
contact_reserve(struct state *st, size_t text_len, size_t n)
{
	if (st->arena_len + text_len > UINT32_MAX)
		errx(EX_SOFTWARE, "input too large: over 4 GiB of one "
		    "customer's contact text");
	if (st->arena_len + text_len > st->arena_size) {
		if (st->arena_size == 0)
			st->arena_size = 1 << 16;
		while (st->arena_len + text_len > st->arena_size)
			st->arena_size *= 2;
		st->arena = ereallocarray(st->arena, st->arena_size, 1);
	}
	if (st->ncontacts + n > st->contacts_size) {
		if (st->contacts_size == 0)
			st->contacts_size = 256;
		while (st->ncontacts + n > st->contacts_size)
			st->contacts_size *= 2;
		st->contacts = ereallocarray(st->contacts, st->contacts_size,
		    sizeof(*st->contacts));
	}
}

static struct text
arena_put(struct state *st, const char *s, size_t len)
{
	struct text t;

	if (st->arena_len + len > st->arena_size)
		contact_reserve(st, len, 0);
	memcpy(st->arena + st->arena_len, s, len);
	t.off = st->arena_len;
	t.len = len;
	st->arena_len += len;
	return t;
}

/* The bytes the batch holds: what the run size limits. */
size_t
contact_bytes(const struct state *st)
{
	return st->arena_len + st->ncontacts * sizeof(struct contact);
}

struct text *
contact_texts(struct contact *c)
{
	return &c->id;	/* CONTACT_TEXTS of them in a row, id to pass */
}

void
contact_clear(struct state *st)
{
	st->arena_len = 0;
	st->ncontacts = 0;
}

/*
 * Keep the contacts from first on (the customer still being read), moved
 * to the front of the batch with their text.
 */
void
contact_keep_tail(struct state *st, size_t first)
{
	size_t i, k, base;

	if (first == 0)
		return;
	if (first >= st->ncontacts) {
		contact_clear(st);
		return;
	}
	base = st->contacts[first].id.off;
	memmove(st->arena, st->arena + base, st->arena_len - base);
	st->arena_len -= base;
	memmove(st->contacts, st->contacts + first,
	    (st->ncontacts - first) * sizeof(*st->contacts));
	st->ncontacts -= first;
	for (i = 0; i < st->ncontacts; i++) {
		struct text *t = contact_texts(&st->contacts[i]);

		for (k = 0; k < CONTACT_TEXTS; k++)
			t[k].off -= base;
	}
}

/*
 * The first 8 bytes of s as a big-endian number, zeros after its end: keys
 * that differ order two strings as memcmp would, so sorting and merging
 * compare one number for most pairs.
 */
uint64_t
contact_key(const char *s, size_t len)
{
	uint64_t key = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		key = key << 8 | (i < len ? (unsigned char)s[i] : 0);
	return key;
}

/* --- reading -------------------------------------------------------- */

static struct field
value(struct state *st, const struct row *row, enum column c)
{
	struct field none = { "", 0 };

	if (st->column_of[c] < 0)
		return none;
	return rows_trim(rows_value(row, st->column_of[c], &st->scratch[c],
	    &st->scratch_size[c]));
}

static int
fail(char *reason, enum column c, const char *why, struct field v)
{
	int len = v.len > 64 ? 64 : (int)v.len;

	snprintf(reason, REASON_MAX, "%s: %s \"%.*s%s\"", contact_columns[c],
	    why, len, v.s, v.len > 64 ? "..." : "");
	return -1;
}

static int
read_date(struct field v, enum column c, int32_t *day, char *reason)
{
	const char *errstr;

	*day = NO_DATE;
	if (v.len == 0 || date_parse_iso(v.s, v.len, day) == 0)
		return 0;
	if (date_parse(v.s, v.len, DATE_ORDER_NONE, day, &errstr) == 0)
		return 0;
	return fail(reason, c, errstr, v);
}

/* Text with runs of white space made one space, straight into the arena. */
static struct text
put_collapsed(struct state *st, struct field v)
{
	struct text t = { st->arena_len, 0 };
	char *dst;
	size_t i, n = 0;

	if (st->arena_len + v.len > st->arena_size)
		contact_reserve(st, v.len, 0);
	dst = st->arena + st->arena_len;
	for (i = 0; i < v.len; i++) {
		if (v.s[i] == ' ' || v.s[i] == '\t') {
			if (n > 0 && dst[n - 1] == ' ')
				continue;
			dst[n++] = ' ';
		} else
			dst[n++] = v.s[i];
	}
	t.len = n;
	st->arena_len += n;
	return t;
}

static void
read_email(struct state *st, const struct row *row, struct contact *c)
{
	struct field v = value(st, row, COL_EMAIL);
	char email[EMAIL_MAX + 1];
	const char *errstr;
	size_t len = 0;
	int ok = 0;

	if (v.len > 0)
		ok = email_normalize(v.s, v.len, email, &len, &errstr) == 0;
	c->email = arena_put(st, email, len);
	c->email_state = len == 0 ? VALUE_NONE : ok ? VALUE_VALID : VALUE_INVALID;
	c->email_role = ok && email_is_role(email, len);
}

static int
digits_only(struct field v)
{
	size_t i;

	for (i = 0; i < v.len; i++)
		if (v.s[i] < '0' || v.s[i] > '9')
			return 0;
	return v.len > 0 && v.len < PHONE_EXT_MAX;
}

static void
read_phone(struct state *st, const struct row *row, struct contact *c)
{
	struct field v = value(st, row, COL_PHONE), ext;
	struct phone p;
	const char *errstr;

	c->ext = arena_put(st, "", 0);
	if (v.len == 0) {
		c->phone = c->ext;
		c->phone_state = VALUE_NONE;
	} else if (phone_parse(v.s, v.len, st->opt->region, &p, &errstr) < 0) {
		c->phone = arena_put(st, v.s, v.len);
		c->phone_state = VALUE_INVALID;
	} else {
		c->phone = arena_put(st, p.e164, strlen(p.e164));
		c->phone_state = VALUE_VALID;
		ext = value(st, row, COL_PHONE_EXT);	/* our own output, read back */
		if (p.ext[0] != '\0')
			c->ext = arena_put(st, p.ext, strlen(p.ext));
		else if (digits_only(ext))
			c->ext = arena_put(st, ext.s, ext.len);
	}
}

/*
 * Addresses compare by their words, lowercased, with the common street
 * words abbreviated and the unit left out: "12 Main Street, Suite 4" meets
 * "12 main st".  A unit tells desks apart, not people, and the address
 * only ever links two rows of the same name.
 */
#define WORD(w)	{ w, sizeof(w) - 1 }
struct word {
	const char	*s;
	size_t		 len;
};
static const struct word street_words[][2] = {
	{ WORD("avenue"), WORD("ave") }, { WORD("boulevard"), WORD("blvd") },
	{ WORD("court"), WORD("ct") }, { WORD("drive"), WORD("dr") },
	{ WORD("east"), WORD("e") }, { WORD("highway"), WORD("hwy") },
	{ WORD("lane"), WORD("ln") }, { WORD("north"), WORD("n") },
	{ WORD("parkway"), WORD("pkwy") }, { WORD("place"), WORD("pl") },
	{ WORD("road"), WORD("rd") }, { WORD("south"), WORD("s") },
	{ WORD("square"), WORD("sq") }, { WORD("street"), WORD("st") },
	{ WORD("west"), WORD("w") },
};
static const struct word unit_words[] = {
	WORD("apartment"), WORD("apt"), WORD("building"), WORD("bldg"),
	WORD("fl"), WORD("floor"), WORD("room"), WORD("rm"), WORD("ste"),
	WORD("suite"), WORD("unit"),
};
#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* First letters of the words above: most words (numbers) skip the lists. */
#define BIT(c)		(1u << ((c) - 'a'))
#define STREET_FIRST	(BIT('a') | BIT('b') | BIT('c') | BIT('d') | \
			 BIT('e') | BIT('h') | BIT('l') | BIT('n') | \
			 BIT('p') | BIT('r') | BIT('s') | BIT('w'))
#define UNIT_FIRST	(BIT('a') | BIT('b') | BIT('f') | BIT('r') | \
			 BIT('s') | BIT('u'))

static int
first_in(const char *word, uint32_t letters)
{
	return word[0] >= 'a' && word[0] <= 'z' && (letters & BIT(word[0]));
}

static int
is_unit_word(const char *word, size_t len)
{
	size_t i;

	if (!first_in(word, UNIT_FIRST))
		return 0;
	for (i = 0; i < NELEM(unit_words); i++)
		if (unit_words[i].len == len &&
		    memcmp(unit_words[i].s, word, len) == 0)
			return 1;
	return 0;
}

static size_t
put_word(char *dst, size_t n, const char *word, size_t len)
{
	size_t i;

	for (i = 0; first_in(word, STREET_FIRST) && i < NELEM(street_words);
	    i++)
		if (street_words[i][0].len == len &&
		    memcmp(street_words[i][0].s, word, len) == 0) {
			word = street_words[i][1].s;
			len = street_words[i][1].len;
			break;
		}
	if (n > 0)
		dst[n++] = ' ';
	memcpy(dst + n, word, len);
	return n + len;
}

static uint64_t
address_hash(struct field v)
{
	char word[64], folded[1024];
	size_t i, wl = 0, n = 0;
	int skip = 0;	/* the word after a unit word is its number */

	for (i = 0; i <= v.len && n + sizeof(word) + 2 < sizeof(folded); i++) {
		unsigned char ch = i < v.len ? v.s[i] : ' ';

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch >= 0x80) {
			if (wl < sizeof(word))
				word[wl++] = ch;
		} else if (ch >= 'A' && ch <= 'Z') {
			if (wl < sizeof(word))
				word[wl++] = ch | 0x20;
		} else if (ch == '#')
			skip = 1;
		else if (wl > 0) {
			if (skip)
				skip = 0;
			else if (is_unit_word(word, wl))
				skip = 1;
			else
				n = put_word(folded, n, word, wl);
			wl = 0;
		}
	}
	return n == 0 ? 0 : strset_hash(folded, n) | 1;
}

/* The columns we do not know, TSV-escaped, tab-separated. */
static struct text
put_passthrough(struct state *st, const struct row *row)
{
	struct text t = { st->arena_len, 0 };
	size_t i;

	for (i = 0; i < st->npassthrough; i++) {
		const struct field *f = &row->fields[st->passthrough[i]];

		arena_put(st, "\t", 1);
		if (row->escaped)
			arena_put(st, f->s, f->len);
		else {
			size_t need = tsv_escaped_len(f->s, f->len);

			if (need > st->escape_size) {
				st->escape_size = need;
				st->escape_buf = ereallocarray(st->escape_buf,
				    need, 1);
			}
			arena_put(st, st->escape_buf, tsv_escape(st->escape_buf,
			    f->s, f->len));
		}
	}
	t.len = st->arena_len - t.off;
	return t;
}

static struct text
put_value(struct state *st, const struct row *row, enum column c)
{
	struct field v = value(st, row, c);

	return arena_put(st, v.s, v.len);
}

/*
 * The row into the batch, or -1 with the reason it is rejected.  The
 * strings go in id first, pass last: see struct contact.
 */
int
contact_read(struct state *st, const struct row *row, char *reason)
{
	struct field id = value(st, row, COL_CONTACT_ID);
	struct field customer = value(st, row, COL_CUSTOMER_ID), v;
	char key[NAME_FOLD_MAX];
	struct contact c;
	size_t len;

	if (row->count != st->width) {
		snprintf(reason, REASON_MAX, "wrong number of fields: %zu, "
		    "header has %zu", row->count, st->width);
		return -1;
	}
	if (id.len == 0)
		return fail(reason, COL_CONTACT_ID, "missing", id);
	if (customer.len == 0)
		return fail(reason, COL_CUSTOMER_ID, "missing", customer);
	memset(&c, 0, sizeof(c));	/* padding too: it goes to run files */
	if (read_date(value(st, row, COL_VERIFIED), COL_VERIFIED, &c.verified,
	    reason) < 0 || read_date(value(st, row, COL_UPDATED), COL_UPDATED,
	    &c.updated, reason) < 0)
		return -1;
	if (!strset_add(st->seen_ids, id.s, id.len))
		return fail(reason, COL_CONTACT_ID, "duplicate", id);
	contact_reserve(st, 0, 1);
	c.id = arena_put(st, id.s, id.len);
	c.customer = arena_put(st, customer.s, customer.len);
	c.customer_key = contact_key(customer.s, customer.len);
	c.source = put_value(st, row, COL_SOURCE);
	c.name = put_collapsed(st, v = value(st, row, COL_NAME));
	len = v.len ? name_fold(v.s, v.len, key, sizeof(key)) : 0;
	key[len] = '\0';
	/* with its NUL: name_compatible takes C strings */
	c.name_key = arena_put(st, key, len + 1);
	c.name_key.len--;
	if (len > 0) {
		c.name_hash = strset_hash(key, len);
		/* one word ("smith") is too little of a name to link on */
		c.name_words = memchr(key, ' ', len) != NULL ? 2 : 1;
	}
	read_email(st, row, &c);
	read_phone(st, row, &c);
	c.address = put_collapsed(st, v = value(st, row, COL_ADDRESS));
	c.addr_hash = address_hash(v);
	c.role = put_value(st, row, COL_ROLE);
	c.language = put_value(st, row, COL_LANGUAGE);
	c.channel = put_value(st, row, COL_CHANNEL);
	c.pass = put_passthrough(st, row);
	/* a TSV row without backslash or CR: every value is written as is */
	c.plain = row->escaped && !row->has_backslash &&
	    memchr(row->raw, '\r', row->raw_len) == NULL;
	st->contacts[st->ncontacts++] = c;
	return 0;
}
