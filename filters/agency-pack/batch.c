/*
 * The batch directory DIR/AGENCY/AS_OF appears whole or not at all: it is
 * built as DIR/AGENCY/.AS_OF.tmp.PID beside it, every file synced, the
 * manifest (row counts, money totals, SHA-256 from libcrypto) written
 * last, then renamed into place.  A batch already there for the date is
 * left alone when it has the same bytes and refused (73) when it has not,
 * unless --replace.  Whatever ends the run before the rename (an exit
 * from an allocator, libcrypto out of memory), the temporary directory
 * goes with it.
 */
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "date.h"
#include "money.h"

#include "agency-pack.h"

#define MANIFEST	"manifest.tsv"

struct paths {
	char	 agency[PATH_MAX], final[PATH_MAX], tmp[PATH_MAX], old[PATH_MAX];
};

/* The temporary batch directory while it exists, for remove_tmp(). */
static char tmp_dir[PATH_MAX];

static void
path_join(char *dst, const char *dir, const char *name)
{
	if ((size_t)snprintf(dst, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		errx(EX_USAGE, "%s/%s: path too long", dir, name);
}

/* A flat directory and its files; quiet, since it is cleanup. */
static void
remove_dir(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			path_join(path, dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}

/* atexit: a run that ends before the rename leaves no half batch. */
static void
remove_tmp(void)
{
	if (tmp_dir[0] != '\0')
		remove_dir(tmp_dir);
}

static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY), failed;

	if (fd < 0)
		return -1;
	failed = fsync(fd) < 0 && errno != EINVAL;	/* some file systems */
	close(fd);
	return failed ? -1 : 0;
}

static void
make_dir(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		err(EX_CANTCREAT, "%s", dir);
}

/* --- the manifest ------------------------------------------------- */

/*
 * libcrypto's allocations are checked here, so running out of memory in
 * it is exit 70 with a message like anywhere else: left to itself,
 * OpenSSL 3 dereferences a NULL lock (SIGSEGV) when an allocation fails
 * while it sets up its global context for the first digest.  The exit is
 * _exit, without the atexit handlers: OpenSSL's own would wait for the
 * set-up it is called from (a deadlock); the batch's is run by hand.
 */
static void
crypto_out_of_memory(void)
{
	warn("libcrypto");
	remove_tmp();
	_exit(EX_SOFTWARE);
}

static void *
crypto_malloc(size_t size, const char *file, int line)
{
	void *p;

	(void)file, (void)line;
	if ((p = malloc(size ? size : 1)) == NULL)
		crypto_out_of_memory();
	return p;
}

static void *
crypto_realloc(void *p, size_t size, const char *file, int line)
{
	(void)file, (void)line;
	if (size == 0) {	/* CRYPTO_realloc's meaning of 0: free */
		free(p);
		return NULL;
	}
	if ((p = realloc(p, size)) == NULL)
		crypto_out_of_memory();
	return p;
}

static void
crypto_free(void *p, const char *file, int line)
{
	(void)file, (void)line;
	free(p);
}

static int
sha256_file(const char *path, char hex[65])
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned md_len, i;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd, failed = 0;

	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		errx(EX_SOFTWARE, "libcrypto: cannot start SHA-256");
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			failed = 1;
			break;
		}
		EVP_DigestUpdate(ctx, buf, n);
	}
	EVP_DigestFinal_ex(ctx, md, &md_len);
	EVP_MD_CTX_free(ctx);
	close(fd);
	for (i = 0; i < md_len && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return failed ? -1 : 0;
}

static int
by_code(const void *a, const void *b)
{
	return strcmp(((const struct total *)a)->code,
	    ((const struct total *)b)->code);
}

/* "EUR 10.00,USD 1234.56": one sum per currency, by code. */
static void
manifest_total(struct out *o, struct batch_file *f)
{
	char money[MONEY_TEXT_MAX];
	size_t i;

	qsort(f->totals.cur, f->totals.n, sizeof(f->totals.cur[0]), by_code);
	for (i = 0; i < f->totals.n; i++) {
		if (i > 0)
			out_char(o, ',');
		out_bytes(o, f->totals.cur[i].code, 3);
		out_char(o, ' ');
		out_bytes(o, money, money_format(money, f->totals.cur[i].sum,
		    f->totals.cur[i].exponent));
	}
}

int
write_manifest(struct state *st, const char *dir)
{
	char hex[65], path[PATH_MAX];
	struct out *o;
	int file, failed;

	path_join(st->failed_path, dir, MANIFEST);
	if ((o = out_open_path(st->failed_path, 0600)) == NULL)
		return -1;
	fchmod(o->fd, 0600);
	out_bytes(o, "file\trows\ttotal\tsha256\n", 23);
	for (file = 0; file < NFILES; file++) {
		struct batch_file *f = &st->files[file];

		path_join(path, dir, f->file);
		if (sha256_file(path, hex) < 0) {
			out_close(o);
			snprintf(st->failed_path, sizeof(st->failed_path), "%s",
			    path);
			return -1;
		}
		out_str(o, f->file);
		out_tab(o); out_i64(o, f->rows);
		out_tab(o); manifest_total(o, f);
		out_tab(o); out_bytes(o, hex, 64);
		out_nl(o);
	}
	failed = out_flush(o) < 0 || fsync(o->fd) < 0;
	if (out_close(o) < 0)
		failed = 1;
	return failed ? -1 : 0;
}

/* --- comparing with a batch already there ------------------------- */

static int
same_file(const char *a, const char *b)
{
	char x[65536], y[65536];
	ssize_t n, m;
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY), same = 0;

	if (fa >= 0 && fb >= 0)
		for (;;) {
			n = read(fa, x, sizeof(x));
			if (n < 0)
				break;
			/* regular files give whole reads but the last */
			m = n > 0 ? read(fb, y, n) : read(fb, y, 1);
			if (m != n || memcmp(x, y, n) != 0)
				break;
			if (n == 0) {
				same = 1;
				break;
			}
		}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

static int
same_batch(struct state *st, const char *built, const char *there)
{
	char a[PATH_MAX], b[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int file, entries = 0;

	for (file = 0; file < NFILES; file++) {
		path_join(a, built, st->files[file].file);
		path_join(b, there, st->files[file].file);
		if (!same_file(a, b))
			return 0;
	}
	path_join(a, built, MANIFEST);
	path_join(b, there, MANIFEST);
	if (!same_file(a, b) || (d = opendir(there)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		entries += e->d_name[0] != '.';
	closedir(d);
	return entries == NFILES + 1;
}

/* --- commit ------------------------------------------------------- */

static void
make_paths(struct state *st, struct paths *p)
{
	char date[DATE_TEXT_MAX], name[64];

	date_format(date, st->opt->cli.as_of);
	make_dir(st->opt->out_dir);
	path_join(p->agency, st->opt->out_dir, st->opt->agency);
	make_dir(p->agency);
	path_join(p->final, p->agency, date);
	snprintf(name, sizeof(name), ".%s.tmp.%ld", date, (long)getpid());
	path_join(p->tmp, p->agency, name);
	snprintf(name, sizeof(name), ".%s.old.%ld", date, (long)getpid());
	path_join(p->old, p->agency, name);
}

/*
 * Temporary directories of this date left by runs that died (their pid
 * is gone) are removed; a live run's is its own business.
 */
static void
remove_stale(const struct paths *p, const char *date)
{
	char prefix[64], path[PATH_MAX];
	struct dirent *e;
	const char *errstr;
	long long pid;
	size_t n;
	DIR *d;

	n = snprintf(prefix, sizeof(prefix), ".%s.tmp.", date);
	if ((d = opendir(p->agency)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, prefix, n) != 0)
			continue;
		pid = cli_number(e->d_name + n, 1, INT_MAX, &errstr);
		if (errstr == NULL && kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
			path_join(path, p->agency, e->d_name);
			remove_dir(path);
		}
	}
	closedir(d);
}

static void
build(struct state *st, const struct paths *p)
{
	char date[DATE_TEXT_MAX];

	date_format(date, st->opt->cli.as_of);
	remove_stale(p, date);
	remove_dir(p->tmp);	/* left by a crashed run of the same pid */
	/* refused (0) once libcrypto has allocated: nothing to do then */
	(void)CRYPTO_set_mem_functions(crypto_malloc, crypto_realloc,
	    crypto_free);
	snprintf(tmp_dir, sizeof(tmp_dir), "%s", p->tmp);
	if (atexit(remove_tmp) != 0)
		errx(EX_SOFTWARE, "atexit: cannot register the cleanup");
	if (mkdir(p->tmp, 0700) < 0 || chmod(p->tmp, 0700) < 0)
		err(EX_CANTCREAT, "%s", p->tmp);
	if (write_batch_files(st, p->tmp) < 0 || write_manifest(st, p->tmp) < 0 ||
	    sync_dir(p->tmp) < 0) {
		warn("%s", st->failed_path);
		remove_dir(p->tmp);
		exit(EX_IOERR);
	}
}

static void
put_in_place(const struct paths *p, int replace)
{
	if (replace && rename(p->final, p->old) < 0) {
		warn("%s", p->final);
		remove_dir(p->tmp);
		exit(EX_CANTCREAT);
	}
	if (rename(p->tmp, p->final) < 0) {
		warn("%s", p->final);
		if (replace && rename(p->old, p->final) < 0)
			warn("%s: the previous batch is kept as %s", p->final,
			    p->old);
		remove_dir(p->tmp);
		exit(EX_CANTCREAT);
	}
	tmp_dir[0] = '\0';	/* it is the batch now */
	if (replace)
		remove_dir(p->old);
	if (sync_dir(p->agency) < 0)
		err(EX_IOERR, "%s", p->agency);
}

/* Returns 1 when a new batch is in place, 0 when an equal one was there. */
int
batch_commit(struct state *st)
{
	struct paths p;
	struct stat sb;

	make_paths(st, &p);
	build(st, &p);
	if (lstat(p.final, &sb) < 0) {
		if (errno != ENOENT) {
			warn("%s", p.final);
			remove_dir(p.tmp);
			exit(EX_CANTCREAT);
		}
		put_in_place(&p, 0);
		return 1;
	}
	if (same_batch(st, p.tmp, p.final)) {
		remove_dir(p.tmp);
		return 0;
	}
	if (!st->opt->replace) {
		remove_dir(p.tmp);
		errx(EX_CANTCREAT, "%s: a batch for this date is there already, "
		    "with other content; --replace to replace it", p.final);
	}
	put_in_place(&p, 1);
	return 1;
}
