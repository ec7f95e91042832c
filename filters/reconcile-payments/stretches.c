/*
 * The second pass in stretches of rows from the checkpoints of the first
 * pass's halves: a thread writes every other stretch into one of two
 * buffers while this one writes the others to the output and, in turn,
 * the thread's.  The bytes are those of second_pass_lines' one loop.
 */
#include <sys/types.h>

#include <err.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "invoices.h"

#define STRETCH_CHANGED	(-1)	/* not the rows the first pass read */
#define STRETCH_IOERR	(-2)

struct relay {
	pthread_mutex_t	 lock;
	pthread_cond_t	 changed;
	struct night	 n;		/* a copy, for its own scratch */
	const struct layout *lay;
	const struct input *in;
	struct out	*buf[2];
	size_t		 holds[2];	/* the stretch in each buffer, or NO_STRETCH */
	int		 result;	/* of the stretch it stopped at */
	int		 stop;		/* the writer gave up */
};
#define NO_STRETCH	SIZE_MAX

/* Write stretch k into o: 0, or STRETCH_*. */
static int
write_stretch(struct night *n, const struct layout *lay,
    const struct input *in, size_t k, struct lines *ls, struct out *o)
{
	const struct checkpoint *cp = &in->checkpoints[k];
	struct plan_cursor c = { cp->held, cp->dated, cp->touched };
	uint64_t kept = cp->kept, end = in->kept;
	const char *line;
	size_t len;
	int got;

	ls->at = cp->at;
	ls->stop = in->end;
	if (k + 1 < in->ncheckpoints) {
		ls->stop = cp[1].at;
		end = cp[1].kept;
	}
	ls->pos = ls->end = 0;
	ls->eof = 0;
	while ((got = lines_next(ls, &line, &len)) != 0) {
		if (got < 0)
			return STRETCH_IOERR;
		if (len == 0)
			continue;	/* a blank line carries no row */
		if (kept == end || write_line(n, lay, ls, line, len, kept, &c,
		    o) < 0)
			return STRETCH_CHANGED;
		kept++;
		if (out_failed(o))
			return 0;	/* out_close reports it */
	}
	return kept == end ? 0 : STRETCH_CHANGED;
}

/* The thread: the odd stretches, each into the buffer the writer freed. */
static void *
relay_run(void *arg)
{
	struct relay *r = arg;
	struct lines ls;
	size_t k;
	int slot, result = 0;

	lines_start(&ls, 0);
	for (k = 1; k < r->in->ncheckpoints && result == 0; k += 2) {
		slot = k / 2 % 2;
		pthread_mutex_lock(&r->lock);
		while (r->holds[slot] != NO_STRETCH && !r->stop)
			pthread_cond_wait(&r->changed, &r->lock);
		pthread_mutex_unlock(&r->lock);
		if (r->stop)
			break;
		result = write_stretch(&r->n, r->lay, r->in, k, &ls,
		    r->buf[slot]);
		pthread_mutex_lock(&r->lock);
		r->result = result;
		r->holds[slot] = k;
		pthread_cond_broadcast(&r->changed);
		pthread_mutex_unlock(&r->lock);
	}
	lines_end(&ls);
	return NULL;
}

void
second_pass_stretches(struct night *n, struct input *in,
    const struct layout *lay, struct out *o, struct lines *ls)
{
	static struct relay r;
	struct checkpoint *cp = in->checkpoints;
	pthread_t thread;
	size_t k, held = 0, touched = 0;
	int slot, result = 0, threaded;
	char past;

	/* the invoices cash went to before each checkpoint */
	for (k = 0; k < in->ncheckpoints; k++) {
		for (; held < cp[k].held; held++)
			touched += n->planned[held].invoice != NO_INDEX;
		cp[k].touched = touched;
	}
	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.changed, NULL);
	r.n = *n;
	r.n.scratch = NULL;
	r.n.scratch_size = 0;
	r.lay = lay;
	r.in = in;
	for (slot = 0; slot < 2; slot++) {
		r.buf[slot] = out_open_memory();
		r.holds[slot] = NO_STRETCH;
	}
	threaded = pthread_create(&thread, NULL, relay_run, &r) == 0;
	for (k = 0; k < in->ncheckpoints && result == 0 && !out_failed(o);
	    k++) {
		slot = k / 2 % 2;
		if (k % 2 == 0 || !threaded) {
			result = write_stretch(n, lay, in, k, ls, o);
			continue;
		}
		pthread_mutex_lock(&r.lock);
		while (r.holds[slot] != k)
			pthread_cond_wait(&r.changed, &r.lock);
		result = r.result;
		pthread_mutex_unlock(&r.lock);
		if (result != 0)
			break;
		out_bytes(o, r.buf[slot]->buf, r.buf[slot]->len);
		r.buf[slot]->len = 0;
		pthread_mutex_lock(&r.lock);
		r.holds[slot] = NO_STRETCH;
		pthread_cond_broadcast(&r.changed);
		pthread_mutex_unlock(&r.lock);
	}
	if (threaded) {
		pthread_mutex_lock(&r.lock);
		r.stop = 1;
		pthread_cond_broadcast(&r.changed);
		pthread_mutex_unlock(&r.lock);
		pthread_join(thread, NULL);
	}
	for (slot = 0; slot < 2; slot++)
		out_close(r.buf[slot]);
	free(r.n.scratch);
	pthread_cond_destroy(&r.changed);
	pthread_mutex_destroy(&r.lock);
	if (result == STRETCH_IOERR)
		err(EX_IOERR, "<stdin>");
	if (result == STRETCH_CHANGED || (!out_failed(o) &&
	    pread(0, &past, 1, in->end) > 0))
		errx(EX_SOFTWARE, "<stdin>: changed while being read");
	in->rows_out = out_failed(o) ? 0 : in->kept;
}

