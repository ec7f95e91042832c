/*
 * Input too big for one batch and not grouped by customer: the way sort(1)
 * does it.  Each batch is sorted by customer_id and contact_id and written
 * to a temporary file (a run); at the end the runs are merged, and each
 * customer, whole, goes back into the batch to be linked and written.
 * Memory is one run while reading and one customer while merging.
 *
 * A run file holds records: the text length (uint32_t), the struct
 * contact with its offsets from the record's text, then the text.  The
 * files are unlinked as soon as they are made, so every exit removes them.
 */
#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ealloc.h"

#include "dedupe.h"

/* Runs merged at once: more are first merged into fewer. */
#define MERGE_MAX	64
#define RUN_BUFFER	(64 * 1024)

struct run {
	FILE		*fp;
	struct contact	 c;		/* the record at the head of the run */
	char		*text;
	size_t		 text_size;
	uint32_t	 text_len;
	int		 level;		/* merged from MERGE_MAX ** level runs */
};

static void	merge_last(struct state *, size_t);

static const char *
tmp_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir != NULL && *dir != '\0' ? dir : "/tmp";
}

static FILE *
run_create(void)
{
	const char *dir = tmp_dir();
	size_t size = strlen(dir) + sizeof("/" PROG ".XXXXXX");
	char *path = emalloc(size);
	FILE *fp;
	int fd;

	snprintf(path, size, "%s/" PROG ".XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0)
		err(EX_CANTCREAT, "%s: temporary file", dir);
	if (unlink(path) < 0)
		err(EX_CANTCREAT, "%s", path);
	free(path);
	if ((fp = fdopen(fd, "w+")) == NULL)
		err(EX_IOERR, "fdopen");
	setvbuf(fp, NULL, _IOFBF, RUN_BUFFER);
	return fp;
}

static void
run_write(FILE *fp, const struct contact *c, const char *text)
{
	struct contact rebased = *c;
	struct text *t = contact_texts(&rebased);
	uint32_t base = c->id.off;
	uint32_t len = c->pass.off + c->pass.len - base;
	size_t k;

	for (k = 0; k < CONTACT_TEXTS; k++)
		t[k].off -= base;
	if (fwrite(&len, sizeof(len), 1, fp) != 1 ||
	    fwrite(&rebased, sizeof(rebased), 1, fp) != 1 ||
	    fwrite(text + base, 1, len, fp) != len)
		err(EX_IOERR, "%s: temporary file", tmp_dir());
}

static struct run *
run_add(struct state *st, FILE *fp)
{
	struct run *r;

	if (fflush(fp) == EOF)
		err(EX_IOERR, "%s: temporary file", tmp_dir());
	rewind(fp);
	if (st->nruns == st->runs_size) {
		st->runs_size = st->runs_size ? st->runs_size * 2 : 16;
		st->runs = ereallocarray(st->runs, st->runs_size,
		    sizeof(*st->runs));
	}
	r = &st->runs[st->nruns++];
	memset(r, 0, sizeof(*r));
	r->fp = fp;
	return r;
}

/* The batch, sorted, to a new run; the batch is empty after. */
void
spill_run(struct state *st)
{
	const uint32_t *recs = survive_order(st, 0, st->ncontacts);
	FILE *fp = run_create();
	size_t i;

	for (i = 0; i < st->ncontacts; i++)
		run_write(fp, &st->contacts[recs[i]], st->arena);
	run_add(st, fp);
	contact_clear(st);
	/*
	 * MERGE_MAX runs of one level make one of the next, as a counter
	 * carries: each row is merged once a level, and few files are open.
	 */
	while (st->nruns >= MERGE_MAX && st->runs[st->nruns - MERGE_MAX].level
	    == st->runs[st->nruns - 1].level)
		merge_last(st, MERGE_MAX);
}

/* The run's next record to its head; 0 at its end (the file closed). */
static int
run_next(struct run *r)
{
	size_t got = fread(&r->text_len, sizeof(r->text_len), 1, r->fp);

	if (got == 1 && fread(&r->c, sizeof(r->c), 1, r->fp) == 1) {
		if (r->text_len > r->text_size) {
			r->text_size = r->text_len * 2;
			r->text = ereallocarray(r->text, r->text_size, 1);
		}
		if (fread(r->text, 1, r->text_len, r->fp) == r->text_len)
			return 1;
	}
	if (ferror(r->fp) || got == 1)
		errx(EX_IOERR, "%s: temporary file: %s", tmp_dir(),
		    ferror(r->fp) ? strerror(errno) : "cut short");
	fclose(r->fp);
	r->fp = NULL;
	return 0;
}

static int
run_cmp(const struct run *a, const struct run *b)
{
	const struct text *ta[2] = { &a->c.customer, &a->c.id };
	const struct text *tb[2] = { &b->c.customer, &b->c.id };
	int i, c;

	if (a->c.customer_key != b->c.customer_key)
		return a->c.customer_key < b->c.customer_key ? -1 : 1;
	for (i = 0; i < 2; i++) {
		size_t n = ta[i]->len < tb[i]->len ? ta[i]->len : tb[i]->len;

		c = memcmp(a->text + ta[i]->off, b->text + tb[i]->off, n);
		if (c == 0)
			c = (ta[i]->len > tb[i]->len) - (ta[i]->len < tb[i]->len);
		if (c != 0)
			return c;
	}
	return 0;
}

/* A binary min-heap of runs by their heads. */
static void
heap_down(struct run **heap, size_t n, size_t i)
{
	for (;;) {
		size_t least = i, l = 2 * i + 1, r = l + 1;
		struct run *t;

		if (l < n && run_cmp(heap[l], heap[least]) < 0)
			least = l;
		if (r < n && run_cmp(heap[r], heap[least]) < 0)
			least = r;
		if (least == i)
			return;
		t = heap[i];
		heap[i] = heap[least];
		heap[least] = t;
		i = least;
	}
}

/* The head record into the batch. */
static void
batch_add(struct state *st, const struct run *r)
{
	struct contact *c;
	struct text *t;
	size_t k;
	uint32_t base;

	contact_reserve(st, r->text_len, 1);
	base = st->arena_len;
	memcpy(st->arena + base, r->text, r->text_len);
	st->arena_len += r->text_len;
	c = &st->contacts[st->ncontacts++];
	*c = r->c;
	t = contact_texts(c);
	for (k = 0; k < CONTACT_TEXTS; k++)
		t[k].off += base;
}

static int
same_customer(const struct state *st, const struct run *r)
{
	const struct text *last = &st->contacts[st->ncontacts - 1].customer;

	return last->len == r->c.customer.len && memcmp(st->arena + last->off,
	    r->text + r->c.customer.off, last->len) == 0;
}

/*
 * Merge runs[first, first + n): into one new run when into is not NULL,
 * else customer by customer through the batch to the output.
 */
static void
merge(struct state *st, size_t first, size_t n, FILE *into)
{
	struct run **heap = ereallocarray(NULL, n, sizeof(*heap));
	size_t i, live = 0;

	for (i = 0; i < n; i++)
		if (run_next(&st->runs[first + i]))
			heap[live++] = &st->runs[first + i];
	for (i = live / 2; i-- > 0;)
		heap_down(heap, live, i);
	while (live > 0) {
		struct run *r = heap[0];

		if (into != NULL)
			run_write(into, &r->c, r->text);
		else {
			if (st->ncontacts > 0 && !same_customer(st, r)) {
				survive_batch(st, 0, st->ncontacts);
				contact_clear(st);
			}
			batch_add(st, r);
		}
		if (!run_next(r))
			heap[0] = heap[--live];
		heap_down(heap, live, 0);
	}
	for (i = 0; i < n; i++)
		free(st->runs[first + i].text);
	free(heap);
}

/* The last n runs merged into one, which takes their place. */
static void
merge_last(struct state *st, size_t n)
{
	FILE *fp = run_create();
	int level = st->runs[st->nruns - n].level + 1;

	merge(st, st->nruns - n, n, fp);
	st->nruns -= n;
	run_add(st, fp)->level = level;
}

/* The last run written, the runs merged, every customer written. */
void
spill_finish(struct state *st)
{
	if (st->ncontacts > 0)
		spill_run(st);
	while (st->nruns > MERGE_MAX)
		merge_last(st, st->nruns - MERGE_MAX + 1 < MERGE_MAX ?
		    st->nruns - MERGE_MAX + 1 : MERGE_MAX);
	merge(st, 0, st->nruns, NULL);
	survive_batch(st, 0, st->ncontacts);
	contact_clear(st);
	free(st->runs);
	st->runs = NULL;
	st->nruns = 0;
}
