/*
 * dedupe-contacts: one clean, current contact per person.
 *
 * Reads contacts (TSV or CSV: contact_id customer_id source name email
 * phone address role language preferred_channel verified_date
 * updated_date, any but the two ids may be missing) on stdin and writes
 * one TSV row per person: the freshest usable name, email, phone and
 * address, the other emails and phones ranked after them, the sources and
 * ids merged, and flags for stale, generic, missing or impossible data.
 *
 * Every row is read first (strings in one arena, no allocation per row),
 * then sorted by customer_id and contact_id, and each customer's rows are
 * linked by union-find.  Everything after the read depends on the rows and
 * never on their order, so shuffled input gives the same bytes; memory
 * grows with the input (about 300 bytes a contact).
 */
#include <err.h>
#include <stddef.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "date.h"
#include "ealloc.h"
#include "email.h"
#include "name.h"
#include "out.h"
#include "phone.h"
#include "rejects.h"
#include "rows.h"
#include "strset.h"
#include "tsv.h"

#define PROG		"dedupe-contacts"
#define REASON_MAX	256
#define NO_DATE		INT32_MIN
/* A number shared by more separate named clusters is a switchboard. */
#define SWITCHBOARD_MAX	64

enum column {
	COL_CONTACT_ID, COL_CUSTOMER_ID, COL_SOURCE, COL_NAME, COL_EMAIL,
	COL_PHONE, COL_PHONE_EXT, COL_ADDRESS, COL_ROLE, COL_LANGUAGE,
	COL_CHANNEL, COL_VERIFIED, COL_UPDATED, NCOLUMNS
};

static const char *const column_names[NCOLUMNS] = {
	"contact_id", "customer_id", "source", "name", "email", "phone",
	"phone_ext", "address", "role", "language", "preferred_channel",
	"verified_date", "updated_date",
};

/* Columns this filter writes: never passed through when read back. */
static const char *const own_columns[] = {
	"emails_other", "phones_other", "sources", "merged_ids", "flags", NULL
};

static const char output_header[] =
    "contact_id\tcustomer_id\tname\temail\temails_other\tphone\tphone_ext\t"
    "phones_other\taddress\trole\tlanguage\tpreferred_channel\t"
    "verified_date\tsources\tmerged_ids\tflags";

enum { VALUE_NONE, VALUE_VALID, VALUE_INVALID };

/* A string in the arena: offsets survive the arena moving. */
struct text {
	uint32_t	 off, len;
};

struct contact {
	struct text	 id, customer, source, name, name_key, email, phone,
			 ext, address, role, language, channel, pass;
	uint64_t	 addr_hash;	/* folded address, 0 if none */
	int32_t		 verified, updated;	/* NO_DATE if empty */
	uint8_t		 email_state, phone_state, email_role;
};

/* Link keys of one customer's rows, sorted so equal keys are neighbours. */
enum link_kind {
	LINK_EMAIL,		/* personal email: always the same person */
	LINK_NAME_EMAIL,	/* same name and any email */
	LINK_NAME_PHONE,	/* same name and phone */
	LINK_NAME_ADDRESS,	/* same name and address */
	LINK_PHONE		/* phone and extension: if names do not conflict */
};

struct link {
	uint64_t	 hash;
	uint32_t	 rec;		/* index in the customer's rows */
	uint32_t	 kind;
};

/* The per-customer work areas, grown as needed and reused. */
struct work {
	uint32_t	*parent, *next;	/* union-find; circular member lists */
	uint8_t		*named;		/* cluster has a member with a name */
	struct link	*links;
	uint32_t	*roots, *groups;	/* clusters on one phone number */
	uint32_t	*byrank;	/* local indexes, freshest first */
	uint64_t	*order;		/* root << 32 | rank position */
	uint32_t	*members;	/* ranked local indexes, cluster by cluster */
	uint64_t	*clusters;	/* survivor << 32 | first member */
	const struct contact **sorted;	/* scratch for sorted lists */
	size_t		 size, links_size;
};

struct options {
	struct cli	 cli;
	const char	*region;
	long long	 stale_days;
	const char	*clusters_path;
};

struct state {
	struct options	*opt;
	struct rows	*rows;
	struct out	*out, *clusters;
	struct rejects	 rejects;
	struct strset	*seen_ids;
	int		 column_of[NCOLUMNS];
	int		*passthrough;
	size_t		 npassthrough, width;
	char		*scratch[NCOLUMNS];
	size_t		 scratch_size[NCOLUMNS];
	char		*arena;
	size_t		 arena_len, arena_size;
	struct contact	*contacts;
	size_t		 ncontacts, contacts_size;
	struct work	 w;
	long long	 rows_in, rows_out, merged;
};

static char prog_name[] = PROG;

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: " PROG " [--region CC] [--stale-days N] [--as-of DATE]\n"
"           [--clusters FILE] [--rejects FILE] [--max-rejects N] [--stats]\n"
"           < contacts > contacts.tsv\n");
}

/* --- the arena ------------------------------------------------------ */

static struct text
arena_put(struct state *st, const char *s, size_t len)
{
	struct text t;

	if (st->arena_len + len > UINT32_MAX)
		errx(EX_SOFTWARE, "input too large: over 4 GiB of contact text");
	if (st->arena_len + len > st->arena_size) {
		st->arena_size = st->arena_size ? st->arena_size * 2 : 1 << 20;
		while (st->arena_len + len > st->arena_size)
			st->arena_size *= 2;
		st->arena = ereallocarray(st->arena, st->arena_size, 1);
	}
	memcpy(st->arena + st->arena_len, s, len);
	t.off = st->arena_len;
	t.len = len;
	st->arena_len += len;
	return t;
}

static const char *
T(const struct state *st, struct text t)
{
	return st->arena + t.off;
}

static int
text_eq(const struct state *st, struct text a, struct text b)
{
	return a.len == b.len && memcmp(T(st, a), T(st, b), a.len) == 0;
}

static int
text_cmp(const struct state *st, struct text a, struct text b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = memcmp(T(st, a), T(st, b), n);

	return c ? c : (a.len > b.len) - (a.len < b.len);
}

/* --- reading -------------------------------------------------------- */

static struct field
trimmed(struct field f)
{
	while (f.len > 0 && (f.s[0] == ' ' || f.s[0] == '\t'))
		f.s++, f.len--;
	while (f.len > 0 && (f.s[f.len - 1] == ' ' || f.s[f.len - 1] == '\t'))
		f.len--;
	return f;
}

static struct field
value(struct state *st, const struct row *row, enum column c)
{
	struct field none = { "", 0 };

	if (st->column_of[c] < 0)
		return none;
	return trimmed(rows_value(row, st->column_of[c], &st->scratch[c],
	    &st->scratch_size[c]));
}

static int
fail(char *reason, enum column c, const char *why, struct field v)
{
	int len = v.len > 64 ? 64 : (int)v.len;

	snprintf(reason, REASON_MAX, "%s: %s \"%.*s%s\"", column_names[c],
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

/* Text with runs of white space made one space. */
static struct text
put_collapsed(struct state *st, struct field v)
{
	char buf[1024];
	size_t i, n = 0;

	if (v.len > sizeof(buf))
		return arena_put(st, v.s, v.len);
	for (i = 0; i < v.len; i++) {
		if (v.s[i] == ' ' || v.s[i] == '\t') {
			if (n > 0 && buf[n - 1] == ' ')
				continue;
			buf[n++] = ' ';
		} else
			buf[n++] = v.s[i];
	}
	return arena_put(st, buf, n);
}

static void
read_email(struct state *st, const struct row *row, struct contact *c)
{
	struct field v = value(st, row, COL_EMAIL);
	char email[EMAIL_MAX + 1];
	const char *errstr;
	size_t len;
	int ok = email_normalize(v.s, v.len, email, &len, &errstr) == 0;

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
static const char *const street_words[][2] = {
	{ "avenue", "ave" }, { "boulevard", "blvd" }, { "court", "ct" },
	{ "drive", "dr" }, { "east", "e" }, { "highway", "hwy" },
	{ "lane", "ln" }, { "north", "n" }, { "parkway", "pkwy" },
	{ "place", "pl" }, { "road", "rd" }, { "south", "s" },
	{ "square", "sq" }, { "street", "st" }, { "west", "w" },
};
static const char *const unit_words[] = {
	"apartment", "apt", "building", "bldg", "fl", "floor", "room", "rm",
	"ste", "suite", "unit", NULL
};

static int
is_unit_word(const char *word, size_t len)
{
	size_t i;

	for (i = 0; unit_words[i]; i++)
		if (unit_words[i][0] == word[0] && strlen(unit_words[i]) == len &&
		    memcmp(unit_words[i], word, len) == 0)
			return 1;
	return 0;
}

static size_t
put_word(char *dst, size_t n, const char *word, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(street_words) / sizeof(street_words[0]); i++)
		if (street_words[i][0][0] == word[0] &&
		    strlen(street_words[i][0]) == len &&
		    memcmp(street_words[i][0], word, len) == 0) {
			word = street_words[i][1];
			len = strlen(word);
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
	char *buf = NULL;
	size_t i, size = 0;

	for (i = 0; i < st->npassthrough; i++) {
		const struct field *f = &row->fields[st->passthrough[i]];

		arena_put(st, "\t", 1);
		if (row->escaped)
			arena_put(st, f->s, f->len);
		else {
			size_t need = tsv_escaped_len(f->s, f->len);

			if (need > size) {
				size = need;
				buf = ereallocarray(buf, size, 1);
			}
			arena_put(st, buf, tsv_escape(buf, f->s, f->len));
		}
	}
	free(buf);
	t.len = st->arena_len - t.off;
	return t;
}

static struct text
put_value(struct state *st, const struct row *row, enum column c)
{
	struct field v = value(st, row, c);

	return arena_put(st, v.s, v.len);
}

static int
read_contact(struct state *st, const struct row *row, char *reason)
{
	struct field id = value(st, row, COL_CONTACT_ID);
	struct field customer = value(st, row, COL_CUSTOMER_ID), v;
	char key[NAME_FOLD_MAX];
	struct contact c;

	if (row->count != st->width) {
		snprintf(reason, REASON_MAX, "wrong number of fields: %zu, "
		    "header has %zu", row->count, st->width);
		return -1;
	}
	if (id.len == 0)
		return fail(reason, COL_CONTACT_ID, "missing", id);
	if (customer.len == 0)
		return fail(reason, COL_CUSTOMER_ID, "missing", customer);
	if (read_date(value(st, row, COL_VERIFIED), COL_VERIFIED, &c.verified,
	    reason) < 0 || read_date(value(st, row, COL_UPDATED), COL_UPDATED,
	    &c.updated, reason) < 0)
		return -1;
	if (!strset_add(st->seen_ids, id.s, id.len))
		return fail(reason, COL_CONTACT_ID, "duplicate", id);
	c.id = arena_put(st, id.s, id.len);
	c.customer = arena_put(st, customer.s, customer.len);
	c.source = put_value(st, row, COL_SOURCE);
	c.name = put_collapsed(st, v = value(st, row, COL_NAME));
	/* with its NUL: name_compatible takes C strings */
	c.name_key = arena_put(st, key, name_fold(v.s, v.len, key, sizeof(key)) + 1);
	c.name_key.len--;
	read_email(st, row, &c);
	read_phone(st, row, &c);
	c.address = put_collapsed(st, v = value(st, row, COL_ADDRESS));
	c.addr_hash = address_hash(v);
	c.role = put_value(st, row, COL_ROLE);
	c.language = put_value(st, row, COL_LANGUAGE);
	c.channel = put_value(st, row, COL_CHANNEL);
	c.pass = put_passthrough(st, row);
	if (st->ncontacts == st->contacts_size) {
		st->contacts_size = st->contacts_size ? st->contacts_size * 2 : 4096;
		st->contacts = ereallocarray(st->contacts, st->contacts_size,
		    sizeof(*st->contacts));
	}
	st->contacts[st->ncontacts++] = c;
	return 0;
}

static void
reject(struct state *st, const struct row *row, const char *reason)
{
	if (!rejects_add(&st->rejects, rows_name(st->rows), row->line, reason,
	    row->raw, row->raw_len))
		warnx("%s:%ld: %s", rows_name(st->rows), row->line, reason);
}

static void
read_all(struct state *st)
{
	struct row row;
	char reason[REASON_MAX];
	const char *errstr;
	int got;

	while ((got = rows_next(st->rows, &row, &errstr)) != 0) {
		if (got < 0 && rows_failed(st->rows))
			errx(EX_IOERR, "%s: %s", rows_name(st->rows), errstr);
		st->rows_in++;
		if (got < 0)
			reject(st, &row, errstr);
		else if (read_contact(st, &row, reason) < 0)
			reject(st, &row, reason);
	}
}

/* --- ordering ------------------------------------------------------- */

static const struct state *sort_state;	/* qsort has no context argument */

static int
compare_contacts(const void *a, const void *b)
{
	const struct contact *ca = &sort_state->contacts[*(const uint32_t *)a];
	const struct contact *cb = &sort_state->contacts[*(const uint32_t *)b];
	int c = text_cmp(sort_state, ca->customer, cb->customer);

	return c ? c : text_cmp(sort_state, ca->id, cb->id);
}

static int
compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int
compare_links(const void *a, const void *b)
{
	const struct link *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return (x->rec > y->rec) - (x->rec < y->rec);
}

/* Freshest first: verified, then updated, descending; dates as unsigned. */
static uint64_t
freshness(const struct contact *c)
{
	uint32_t v = (uint32_t)c->verified ^ 0x80000000u;
	uint32_t u = (uint32_t)c->updated ^ 0x80000000u;

	return (uint64_t)~v << 32 | (uint32_t)~u;
}

/* --- linking -------------------------------------------------------- */

static void
work_reserve(struct work *w, size_t n)
{
	if (n <= w->size)
		return;
	w->size = n * 2;
	w->parent = ereallocarray(w->parent, w->size, sizeof(uint32_t));
	w->next = ereallocarray(w->next, w->size, sizeof(uint32_t));
	w->named = ereallocarray(w->named, w->size, 1);
	w->roots = ereallocarray(w->roots, w->size, sizeof(uint32_t));
	w->groups = ereallocarray(w->groups, w->size, sizeof(uint32_t));
	w->byrank = ereallocarray(w->byrank, w->size, sizeof(uint32_t));
	w->order = ereallocarray(w->order, w->size, sizeof(uint64_t));
	w->members = ereallocarray(w->members, w->size, sizeof(uint32_t));
	w->clusters = ereallocarray(w->clusters, w->size, sizeof(uint64_t));
	w->sorted = ereallocarray(w->sorted, w->size, sizeof(*w->sorted));
}

static void
work_free(struct work *w)
{
	free(w->parent);
	free(w->next);
	free(w->named);
	free(w->links);
	free(w->roots);
	free(w->groups);
	free(w->byrank);
	free(w->order);
	free(w->members);
	free(w->clusters);
	free(w->sorted);
}

static uint32_t
find(struct work *w, uint32_t x)
{
	while (w->parent[x] != x) {
		w->parent[x] = w->parent[w->parent[x]];
		x = w->parent[x];
	}
	return x;
}

/* Join two clusters; the lower index stays root.  Returns the root. */
static uint32_t
unite(struct work *w, uint32_t a, uint32_t b)
{
	uint32_t t;

	a = find(w, a);
	b = find(w, b);
	if (a == b)
		return a;
	if (b < a) {
		t = a;
		a = b;
		b = t;
	}
	w->parent[b] = a;
	w->named[a] |= w->named[b];
	t = w->next[a];		/* splice the two member cycles */
	w->next[a] = w->next[b];
	w->next[b] = t;
	return a;
}

static uint64_t
mix(uint64_t h, uint64_t k)
{
	h ^= k + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
	return h * 0xBF58476D1CE4E5B9ULL;
}

static void
add_link(struct work *w, size_t *n, enum link_kind kind, uint64_t hash,
    uint32_t rec)
{
	if (*n == w->links_size) {
		w->links_size = w->links_size ? w->links_size * 2 : 1024;
		w->links = ereallocarray(w->links, w->links_size,
		    sizeof(*w->links));
	}
	w->links[*n].hash = mix(hash, kind);
	w->links[*n].kind = kind;
	w->links[(*n)++].rec = rec;
}

static uint64_t
text_hash(const struct state *st, struct text t)
{
	return strset_hash(T(st, t), t.len);
}

static size_t
collect_links(struct state *st, const uint32_t *recs, size_t n)
{
	struct work *w = &st->w;
	size_t i, nlinks = 0;

	for (i = 0; i < n; i++) {
		const struct contact *c = &st->contacts[recs[i]];
		uint64_t name = c->name_key.len ? text_hash(st, c->name_key) : 0;
		uint64_t email = text_hash(st, c->email);
		uint64_t phone = text_hash(st, c->phone);

		if (c->email_state == VALUE_VALID && !c->email_role)
			add_link(w, &nlinks, LINK_EMAIL, email, i);
		if (c->phone_state == VALUE_VALID)
			add_link(w, &nlinks, LINK_PHONE,
			    mix(phone, text_hash(st, c->ext)), i);
		/* one word ("smith") is too little of a name to link on */
		if (name == 0 || memchr(T(st, c->name_key), ' ',
		    c->name_key.len) == NULL)
			continue;
		if (c->email_state == VALUE_VALID)
			add_link(w, &nlinks, LINK_NAME_EMAIL, mix(name, email), i);
		if (c->phone_state == VALUE_VALID)
			add_link(w, &nlinks, LINK_NAME_PHONE, mix(name, phone), i);
		if (c->addr_hash)
			add_link(w, &nlinks, LINK_NAME_ADDRESS,
			    mix(name, c->addr_hash), i);
	}
	qsort(w->links, nlinks, sizeof(*w->links), compare_links);
	return nlinks;
}

/* Do two rows really share the key (not just its hash)? */
static int
same_key(const struct state *st, enum link_kind kind,
    const struct contact *a, const struct contact *b)
{
	switch (kind) {
	case LINK_EMAIL:
		return text_eq(st, a->email, b->email);
	case LINK_PHONE:
		return text_eq(st, a->phone, b->phone) && text_eq(st, a->ext, b->ext);
	case LINK_NAME_EMAIL:
		return text_eq(st, a->name_key, b->name_key) &&
		    text_eq(st, a->email, b->email);
	case LINK_NAME_PHONE:
		return text_eq(st, a->name_key, b->name_key) &&
		    text_eq(st, a->phone, b->phone);
	case LINK_NAME_ADDRESS:
		return text_eq(st, a->name_key, b->name_key) &&
		    a->addr_hash == b->addr_hash;
	}
	return 0;
}

/* Every name in one cluster fits every name in the other. */
static int
clusters_compatible(struct state *st, const uint32_t *recs, uint32_t x,
    uint32_t y)
{
	struct work *w = &st->w;
	uint32_t i = x, j;

	do {
		const struct contact *a = &st->contacts[recs[i]];

		if (a->name_key.len == 0)
			continue;
		j = y;
		do {
			const struct contact *b = &st->contacts[recs[j]];

			if (b->name_key.len > 0 && !text_eq(st, a->name_key,
			    b->name_key) && !name_compatible(T(st, a->name_key),
			    T(st, b->name_key)))
				return 0;
		} while ((j = w->next[j]) != y);
	} while ((i = w->next[i]) != x);
	return 1;
}

/*
 * Named clusters join a group whose names all fit theirs, when exactly one
 * does (one that fits two people stays apart).  Returns the group count.
 */
static size_t
group_named(struct state *st, const uint32_t *recs, const uint32_t *roots,
    size_t nroots)
{
	struct work *w = &st->w;
	size_t i, g, ngroups = 0, fits, which = 0;

	for (i = 0; i < nroots; i++) {
		if (!w->named[roots[i]])
			continue;
		for (g = 0, fits = 0; g < ngroups; g++)
			if (clusters_compatible(st, recs, w->groups[g], roots[i])) {
				fits++;
				which = g;
			}
		if (fits == 1)
			w->groups[which] = unite(w, w->groups[which], roots[i]);
		else
			w->groups[ngroups++] = roots[i];
	}
	return ngroups;
}

/*
 * Rows sharing a phone and extension.  Names that do not conflict join;
 * rows without a name join the one person on the number, or, on a
 * switchboard of several people, only each other.
 */
static void
link_phone(struct state *st, const uint32_t *recs, const struct link *run,
    size_t n)
{
	struct work *w = &st->w;
	size_t i, j, nroots = 0, named = 0, ngroups;
	uint32_t r, anchor = UINT32_MAX;

	for (i = 0; i < n; i++) {
		if (!same_key(st, LINK_PHONE, &st->contacts[recs[run[0].rec]],
		    &st->contacts[recs[run[i].rec]]))
			continue;	/* a hash collision, not a shared number */
		r = find(w, run[i].rec);
		for (j = 0; j < nroots && w->roots[j] != r; j++)
			;
		if (j == nroots) {
			w->roots[nroots++] = r;
			named += w->named[r];
		}
	}
	if (nroots < 2)
		return;
	ngroups = named > SWITCHBOARD_MAX ? 2 : group_named(st, recs, w->roots,
	    nroots);
	if (ngroups == 1)
		anchor = w->groups[0];
	for (i = 0; i < nroots; i++) {
		if (w->named[find(w, w->roots[i])])
			continue;
		anchor = anchor == UINT32_MAX ? w->roots[i] :
		    unite(w, anchor, w->roots[i]);
	}
}

static void
link_customer(struct state *st, const uint32_t *recs, size_t n)
{
	struct work *w = &st->w;
	size_t i, j, nlinks;
	int pass;

	for (i = 0; i < n; i++) {
		w->parent[i] = w->next[i] = i;
		w->named[i] = st->contacts[recs[i]].name_key.len > 0;
	}
	nlinks = collect_links(st, recs, n);
	/* the sure links first, so phone links see whole clusters */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < nlinks; i = j) {
			const struct link *l = &w->links[i];
			const struct contact *first = &st->contacts[recs[l->rec]];

			for (j = i + 1; j < nlinks && w->links[j].hash == l->hash &&
			    w->links[j].kind == l->kind; j++)
				;
			if ((l->kind == LINK_PHONE) != pass)
				continue;
			if (pass == 1) {
				link_phone(st, recs, l, j - i);
				continue;
			}
			for (size_t k = i + 1; k < j; k++)
				if (same_key(st, l->kind, first,
				    &st->contacts[recs[w->links[k].rec]]))
					unite(w, l->rec, w->links[k].rec);
		}
}

/* --- survivors ------------------------------------------------------ */

static const uint32_t *sort_recs;

static int
compare_rank(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t fx = freshness(&sort_state->contacts[sort_recs[x]]);
	uint64_t fy = freshness(&sort_state->contacts[sort_recs[y]]);

	if (fx != fy)
		return fx < fy ? -1 : 1;
	return (x > y) - (x < y);
}

#define FIELD(f)	offsetof(struct contact, f)
#define FIELD_OF(c, f)	(*(const struct text *)((const char *)(c) + (f)))

/* One cluster: its members in rank order, freshest first. */
struct cluster {
	const uint32_t	*recs;		/* the customer's rows */
	const uint32_t	*members;	/* local indexes, ranked */
	size_t		 n;
};

static const struct contact *
member(const struct state *st, const struct cluster *cl, size_t i)
{
	return &st->contacts[cl->recs[cl->members[i]]];
}

/* The first member, in rank order, whose email is valid (and personal). */
static const struct contact *
best_email(const struct state *st, const struct cluster *cl)
{
	const struct contact *generic = NULL, *c;
	size_t i;

	for (i = 0; i < cl->n; i++) {
		c = member(st, cl, i);
		if (c->email_state != VALUE_VALID)
			continue;
		if (!c->email_role)
			return c;
		if (generic == NULL)
			generic = c;
	}
	return generic;
}

static const struct contact *
first_with(const struct state *st, const struct cluster *cl, size_t field)
{
	size_t i;

	for (i = 0; i < cl->n; i++) {
		const struct contact *c = member(st, cl, i);
		if (FIELD_OF(c, field).len > 0 && (field != FIELD(phone) ||
		    c->phone_state == VALUE_VALID))
			return c;
	}
	return NULL;
}

static void
out_field(struct state *st, const struct contact *c, size_t field)
{
	out_tab(st->out);
	if (c != NULL)
		out_text(st->out, T(st, FIELD_OF(c, field)), FIELD_OF(c, field).len);
}

static void
out_list_item(struct state *st, int *n, const char *s, size_t len)
{
	if ((*n)++ > 0)
		out_char(st->out, ',');
	out_text(st->out, s, len);
}

/* The other valid emails, personal ones first, each once. */
static void
write_emails_other(struct state *st, const struct cluster *cl,
    const struct contact *best)
{
	size_t i, k;
	int pass, n = 0;

	out_tab(st->out);
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < cl->n; i++) {
			const struct contact *c = member(st, cl, i);

			if (c->email_state != VALUE_VALID || c->email_role != pass ||
			    (best && text_eq(st, c->email, best->email)))
				continue;
			for (k = 0; k < i && !(member(st, cl, k)->email_state ==
			    VALUE_VALID && text_eq(st, member(st, cl, k)->email,
			    c->email)); k++)
				;
			if (k == i)
				out_list_item(st, &n, T(st, c->email), c->email.len);
		}
}

static int
same_phone(const struct state *st, const struct contact *a,
    const struct contact *b)
{
	return a->phone_state == VALUE_VALID && b->phone_state == VALUE_VALID &&
	    text_eq(st, a->phone, b->phone) && text_eq(st, a->ext, b->ext);
}

/* The other valid phones, as +E164 or +E164;ext=N, each once. */
static void
write_phones_other(struct state *st, const struct cluster *cl,
    const struct contact *best)
{
	size_t i, k;
	int n = 0;

	out_tab(st->out);
	for (i = 0; i < cl->n; i++) {
		const struct contact *c = member(st, cl, i);

		if (c->phone_state != VALUE_VALID || (best && same_phone(st, c, best)))
			continue;
		for (k = 0; k < i && !same_phone(st, member(st, cl, k), c); k++)
			;
		if (k < i)
			continue;
		out_list_item(st, &n, T(st, c->phone), c->phone.len);
		if (c->ext.len > 0) {
			out_bytes(st->out, ";ext=", 5);
			out_text(st->out, T(st, c->ext), c->ext.len);
		}
	}
}

static size_t sort_field;

static int
compare_field(const void *a, const void *b)
{
	return text_cmp(sort_state, FIELD_OF(*(const struct contact *const *)a,
	    sort_field), FIELD_OF(*(const struct contact *const *)b, sort_field));
}

/* Distinct sources, sorted; or the contact ids merged, in id order. */
static void
write_sorted(struct state *st, const struct cluster *cl, size_t field,
    const struct contact *skip)
{
	const struct contact **v = st->w.sorted;
	size_t i, n = 0;
	int out = 0;

	out_tab(st->out);
	for (i = 0; i < cl->n; i++) {
		const struct contact *c = member(st, cl, i);

		if (c != skip && FIELD_OF(c, field).len > 0)
			v[n++] = c;
	}
	sort_field = field;
	qsort(v, n, sizeof(*v), compare_field);
	for (i = 0; i < n; i++) {
		if (i > 0 && text_eq(st, FIELD_OF(v[i], field),
		    FIELD_OF(v[i - 1], field)))
			continue;
		out_list_item(st, &out, T(st, FIELD_OF(v[i], field)),
		    FIELD_OF(v[i], field).len);
	}
}

static int
any_invalid(const struct state *st, const struct cluster *cl, int email)
{
	size_t i;

	for (i = 0; i < cl->n; i++)
		if ((email ? member(st, cl, i)->email_state :
		    member(st, cl, i)->phone_state) == VALUE_INVALID)
			return 1;
	return 0;
}

static void
write_flags(struct state *st, const struct cluster *cl,
    const struct contact *email, const struct contact *phone,
    const struct contact *address)
{
	const struct contact *top = member(st, cl, 0);
	const char *flags[8];
	size_t i, n = 0;

	if (top->verified == NO_DATE ||
	    (int64_t)st->opt->cli.as_of - top->verified > st->opt->stale_days)
		flags[n++] = "stale";
	if (email && email->email_role)
		flags[n++] = "generic_email";
	if (!email)
		flags[n++] = "no_email";
	if (!phone)
		flags[n++] = "no_phone";
	if (!email && any_invalid(st, cl, 1))
		flags[n++] = "invalid_email";
	if (!phone && any_invalid(st, cl, 0))
		flags[n++] = "invalid_phone";
	if (!phone && (!email || email->email_role) && !address)
		flags[n++] = "skip_trace";
	out_tab(st->out);
	for (i = 0; i < n; i++) {
		if (i > 0)
			out_char(st->out, ',');
		out_bytes(st->out, flags[i], strlen(flags[i]));
	}
}

static void
write_cluster(struct state *st, const struct cluster *cl)
{
	const struct contact *top = member(st, cl, 0);
	const struct contact *email = best_email(st, cl);
	const struct contact *phone = first_with(st, cl, FIELD(phone));
	const struct contact *address = first_with(st, cl, FIELD(address));

	out_text(st->out, T(st, top->id), top->id.len);
	out_field(st, top, FIELD(customer));
	out_field(st, first_with(st, cl, FIELD(name)), FIELD(name));
	out_field(st, email, FIELD(email));
	write_emails_other(st, cl, email);
	out_field(st, phone, FIELD(phone));
	out_field(st, phone, FIELD(ext));
	write_phones_other(st, cl, phone);
	out_field(st, address, FIELD(address));
	out_field(st, first_with(st, cl, FIELD(role)), FIELD(role));
	out_field(st, first_with(st, cl, FIELD(language)), FIELD(language));
	out_field(st, first_with(st, cl, FIELD(channel)), FIELD(channel));
	out_tab(st->out);
	if (top->verified != NO_DATE)
		out_date(st->out, top->verified);
	write_sorted(st, cl, FIELD(source), NULL);
	write_sorted(st, cl, FIELD(id), top);
	write_flags(st, cl, email, phone, address);
	out_bytes(st->out, T(st, top->pass), top->pass.len);
	out_nl(st->out);
	st->rows_out++;
	st->merged += cl->n - 1;
}

/* --clusters: every member, in contact_id order, to its survivor. */
static void
write_members(struct state *st, const struct cluster *cl)
{
	const struct contact *top = member(st, cl, 0);
	const struct contact **v = st->w.sorted;
	size_t i;

	if (st->clusters == NULL)
		return;
	for (i = 0; i < cl->n; i++)
		v[i] = member(st, cl, i);
	sort_field = FIELD(id);
	qsort(v, cl->n, sizeof(*v), compare_field);
	for (i = 0; i < cl->n; i++) {
		out_text(st->clusters, T(st, v[i]->id), v[i]->id.len);
		out_tab(st->clusters);
		out_text(st->clusters, T(st, top->id), top->id.len);
		out_tab(st->clusters);
		out_text(st->clusters, T(st, v[i]->customer), v[i]->customer.len);
		out_nl(st->clusters);
	}
}

/* Rank the customer's rows, gather clusters, write them in id order. */
static void
emit_customer(struct state *st, const uint32_t *recs, size_t n)
{
	struct work *w = &st->w;
	struct cluster cl = { recs, w->members, 0 };
	size_t i, j, nclusters = 0;

	for (i = 0; i < n; i++)
		w->byrank[i] = i;
	sort_recs = recs;
	qsort(w->byrank, n, sizeof(*w->byrank), compare_rank);
	for (i = 0; i < n; i++)
		w->order[i] = (uint64_t)find(w, w->byrank[i]) << 32 | i;
	qsort(w->order, n, sizeof(*w->order), compare_u64);
	for (i = 0; i < n; i++) {
		w->members[i] = w->byrank[(uint32_t)w->order[i]];
		if (i == 0 || w->order[i] >> 32 != w->order[i - 1] >> 32)
			w->clusters[nclusters++] = (uint64_t)w->members[i] << 32 | i;
	}
	/* the survivor's local index orders the clusters by contact_id */
	qsort(w->clusters, nclusters, sizeof(*w->clusters), compare_u64);
	for (i = 0; i < nclusters; i++) {
		size_t start = (uint32_t)w->clusters[i];

		for (j = start + 1; j < n && w->order[j] >> 32 ==
		    w->order[start] >> 32; j++)
			;
		cl.members = w->members + start;
		cl.n = j - start;
		write_cluster(st, &cl);
		write_members(st, &cl);
	}
}

static void
process(struct state *st)
{
	uint32_t *recs = ereallocarray(NULL, st->ncontacts ? st->ncontacts : 1,
	    sizeof(uint32_t));
	size_t i, j;

	for (i = 0; i < st->ncontacts; i++)
		recs[i] = i;
	sort_state = st;
	qsort(recs, st->ncontacts, sizeof(*recs), compare_contacts);
	for (i = 0; i < st->ncontacts && !out_failed(st->out); i = j) {
		const struct contact *c = &st->contacts[recs[i]];

		for (j = i + 1; j < st->ncontacts && text_eq(st, c->customer,
		    st->contacts[recs[j]].customer); j++)
			;
		work_reserve(&st->w, j - i);
		link_customer(st, recs + i, j - i);
		emit_customer(st, recs + i, j - i);
	}
	free(recs);
}

/* --- options, columns, main ----------------------------------------- */

enum { OPT_REGION = CLI_FIRST_OWN, OPT_STALE_DAYS, OPT_CLUSTERS };

static const struct option longopts[] = {
	CLI_COMMON_OPTIONS,
	{ "region",	required_argument, NULL, OPT_REGION },
	{ "stale-days",	required_argument, NULL, OPT_STALE_DAYS },
	{ "clusters",	required_argument, NULL, OPT_CLUSTERS },
	{ NULL, 0, NULL, 0 }
};

static void
bad_option(const char *option, const char *value, const char *why)
{
	warnx("%s: %s \"%s\"", option, why, value);
	usage(stderr);
	exit(EX_USAGE);
}

static void
own_option(struct options *opt, int ch)
{
	const char *errstr;

	switch (ch) {
	case OPT_REGION:
		if (!phone_region_known(optarg))
			bad_option("--region", optarg, "unknown region, want "
			    "US CA GB DE FR ES IT NL AU IE CH AT BE NZ MX");
		opt->region = optarg;
		break;
	case OPT_STALE_DAYS:
		opt->stale_days = cli_number(optarg, 0, 36500, &errstr);
		if (errstr)
			bad_option("--stale-days", optarg, errstr);
		break;
	case OPT_CLUSTERS:
		opt->clusters_path = optarg;
		break;
	default:
		usage(stderr);
		exit(EX_USAGE);
	}
}

static void
parse_options(struct options *opt, int argc, char *argv[])
{
	const char *errstr;
	int ch;

	cli_init(&opt->cli);
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (cli_option(&opt->cli, ch, optarg, &errstr)) {
		case -1:
			bad_option("--max-rejects", optarg, errstr);
			break;
		case 0:
			own_option(opt, ch);
		}
	}
	if (opt->cli.help || opt->cli.version) {
		if (opt->cli.help)
			usage(stdout);
		else
			printf(PROG " " PACKAGE_VERSION "\n");
		if (cli_flush_stdout() < 0)
			err(EX_IOERR, "stdout");
		exit(EX_OK);
	}
	if (cli_finish(&opt->cli, &errstr) < 0)
		errx(EX_USAGE, "%s", errstr);
}

static int
is_own_column(const struct field *f)
{
	size_t i;

	for (i = 0; own_columns[i]; i++)
		if (strlen(own_columns[i]) == f->len &&
		    memcmp(own_columns[i], f->s, f->len) == 0)
			return 1;
	return 0;
}

/* Name each input column: one of ours (first one wins) or passthrough. */
static void
map_columns(struct state *st)
{
	const struct row *header = rows_header(st->rows);
	const char *name = rows_name(st->rows);
	size_t i;
	int c;

	if (header->count == 0)
		errx(EX_DATAERR, "%s: empty input: no header line", name);
	for (c = 0; c < NCOLUMNS; c++)
		st->column_of[c] = -1;
	st->width = header->count;
	st->passthrough = ecalloc(header->count, sizeof(int));
	for (i = 0; i < header->count; i++) {
		const struct field *f = &header->fields[i];

		for (c = 0; c < NCOLUMNS; c++)
			if (strlen(column_names[c]) == f->len &&
			    memcmp(column_names[c], f->s, f->len) == 0)
				break;
		if (c < NCOLUMNS && st->column_of[c] < 0)
			st->column_of[c] = (int)i;
		else if (c == NCOLUMNS && !is_own_column(f))
			st->passthrough[st->npassthrough++] = (int)i;
	}
	for (c = COL_CONTACT_ID; c <= COL_CUSTOMER_ID; c++)
		if (st->column_of[c] < 0)
			errx(EX_DATAERR, "%s: missing column %s", name,
			    column_names[c]);
}

static void
write_headers(struct state *st)
{
	const struct row *header = rows_header(st->rows);
	size_t i;

	out_bytes(st->out, output_header, sizeof(output_header) - 1);
	for (i = 0; i < st->npassthrough; i++) {
		const struct field *f = &header->fields[st->passthrough[i]];

		out_tab(st->out);
		out_text(st->out, f->s, f->len);
	}
	out_nl(st->out);
	if (st->clusters)
		out_bytes(st->clusters, "contact_id\tsurvivor_id\tcustomer_id\n", 35);
}

static void
open_files(struct state *st)
{
	const char *errstr;
	const char *path = st->opt->clusters_path;

	if ((st->rows = rows_open(NULL, ROWS_AUTO, &errstr)) == NULL)
		errx(EX_NOINPUT, "<stdin>: %s", errstr);
	if (rejects_open(&st->rejects, PROG, st->opt->cli.rejects_path) < 0)
		err(EX_CANTCREAT, "%s", st->opt->cli.rejects_path);
	if (path && (st->clusters = out_open_path(path, 0644)) == NULL)
		err(EX_CANTCREAT, "%s", path);
	st->out = out_open_fd(STDOUT_FILENO);
}

static void
print_stats(const struct state *st)
{
	fprintf(stderr, PROG ": rows in %lld, out %lld, rejected %lld, "
	    "merged %lld\n", st->rows_in, st->rows_out, st->rejects.count,
	    st->merged);
}

/* Flush everything; the exit status says whether every write landed. */
static int
finish(struct state *st)
{
	int status = EX_OK;

	if (out_close(st->out) < 0) {
		warn("stdout");
		status = EX_IOERR;
	}
	if (st->clusters && out_close(st->clusters) < 0) {
		warn("%s", st->opt->clusters_path);
		status = EX_IOERR;
	}
	if (rejects_close(&st->rejects) < 0) {
		warn("%s", st->opt->cli.rejects_path);
		status = EX_IOERR;
	}
	if (st->opt->cli.stats)
		print_stats(st);
	if (status == EX_OK && st->rejects.count > st->opt->cli.max_rejects) {
		warnx("%lld rows rejected (--max-rejects %lld)",
		    st->rejects.count, st->opt->cli.max_rejects);
		status = EX_DATAERR;
	}
	return status;
}

static void
free_state(struct state *st)
{
	int c;

	rows_close(st->rows);
	strset_free(st->seen_ids);
	free(st->passthrough);
	free(st->arena);
	free(st->contacts);
	work_free(&st->w);
	for (c = 0; c < NCOLUMNS; c++)
		free(st->scratch[c]);
}

int
main(int argc, char *argv[])
{
	struct options opt = { .region = "US", .stale_days = 365 };
	struct state st = { .opt = &opt };
	int status;

	argv[0] = prog_name;	/* getopt's messages name the program, not its path */
	parse_options(&opt, argc, argv);
	argc -= optind;
	argv += optind;
	if (argc > 0) {
		usage(stderr);
		return EX_USAGE;
	}
	open_files(&st);
	map_columns(&st);
	st.seen_ids = strset_new();
	write_headers(&st);
	read_all(&st);
	process(&st);
	status = finish(&st);
	free_state(&st);
	return status;
}
