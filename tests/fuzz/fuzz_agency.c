/*
 * agency-pack's whole row path: the filter itself, compiled in with its
 * main renamed and run as a command in a child process (it exits on input
 * it refuses, and builds its batch with atexit cleanup).  The input: a
 * first byte of options (--format csv; no --accounts; no --placed), then
 * the staged rows on stdin up to the first form feed, then, if there is
 * one, the activity log in place of the fixed one.  The invoices,
 * contacts, customer master and ledger are fixed (testdata/agency-pack's).
 * The batch goes to a scratch directory under /dev/shm, emptied for
 * every input.  Properties: every placement's total_due is the sum of its
 * placement_invoices' balances and invoice_count their number, and every
 * placement invoice belongs to a placement; no account whose master flags
 * hold a dispute or a legal flag is placed; the new ledger holds every
 * placement, placed tonight at its total; no run of 13-19 digits passing
 * Luhn is left in the placements' notes (bare digits) nor in the activity
 * notes (single spaces or dashes allowed between the digits); the
 * manifest's rows, totals and SHA-256 are those of the files; nothing
 * but the batch is left in the agency's directory; a rerun exits 0 and
 * changes no byte of the batch or the ledger.  A refusal of the whole
 * input (exit 65 or 66) leaves no batch.
 */
#define main agency_pack_main
#include "../../filters/agency-pack.c"
#undef main

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "child.h"
#include "currency.h"
#include "fuzz.h"
#include "money.h"
#include "records.h"

static const char invoices[] =
    "invoice_id\tcustomer_id\tcurrency\tamount\tbalance\tissue_date\tdue_date\tdays_past_due\tbucket\tdisputed\n"
    "I-101\tP1\tUSD\t7000.00\t7000.00\t2025-11-01\t2025-12-01\t90\t61-90\tno\n"
    "I-102\tP1\tUSD\t5000.00\t5000.00\t2025-11-20\t2025-12-20\t71\t61-90\t\n"
    "I-103\tP1\tUSD\t300.00\t300.00\t2025-11-25\t2025-12-25\t66\t61-90\tyes\n"
    "I-104\tP1\tUSD\t50.00\t0.00\t2025-10-01\t2025-10-31\t121\tpaid\t\n"
    "I-105\tP1\tUSD\t-20.00\t-20.00\t2025-10-01\t2025-10-31\t121\tcredit\t\n"
    "I-201\tP2\tEUR\t250.00\t250.00\t2025-07-02\t2025-08-01\t212\t120+\t\n"
    "I-301\tP3\tUSD\t95.00\t80.00\t2025-11-21\t2025-12-21\t70\t61-90\t\n"
    "I-401\tP4\tJPY\t150000\t150000\t2025-10-01\t2025-12-01\t90\t61-90\t\n"
    "I-501\tU1\tUSD\t450.00\t450.00\t2025-11-01\t2025-12-01\t90\t61-90\t\n"
    "I-601\tRG1\tUSD\t100.00\t0.00\t2025-11-01\t2025-12-01\t90\tpaid\t\n"
    "I-701\tS1\tUSD\t20.00\t20.00\t2026-01-21\t2026-02-20\t9\t1-30\t\n";

static const char contacts[] =
    "contact_id\tcustomer_id\tname\temail\temails_other\tphone\tphone_ext\tphones_other\taddress\trole\tlanguage\tpreferred_channel\tverified_date\tsources\tmerged_ids\tflags\n"
    "c10\tP1\tGeneric Desk\tap@p1.example\t\t+15551230000\t\t\t1 Main St\t\ten\temail\t2026-01-01\tcrm\t\tgeneric_email\n"
    "c11\tP1\tPat One\tpat@p1.example\tp.one@p1.example\t+15551230001\t12\t\t1 Main St, Springfield\tcfo\tes\tphone\t2025-06-01\tcrm,billing\tc13\t\n"
    "c12\tP1\tOld Pat\told@p1.example\t\t\t\t\t\t\t\t\t2023-01-01\tsupport\t\tstale,no_phone\n"
    "c20\tP2\tBilling\tbilling@p2.example\t\t\t\t\t\t\tde\temail\t2024-01-01\tcrm\t\tstale,generic_email,no_phone\n"
    "c30\tP3\t-Sam Three\t\t\t\t\t\t\t\t\t\t\tbilling\t\tstale,no_email,no_phone,skip_trace\n"
    "c40\tP4\tKenji Four\tk4@p4.example\t\t+81312345678\t\t\tChiyoda 1-1\t\tja\temail\t2025-12-01\tcrm\t\t\n"
    "c90\tS1\tSupport Person\ts1@s1.example\t\t\t\t\t\t\t\t\t2025-12-01\tcrm\t\t\n";

static const char accounts[] =
    "customer_id\tname\taccount_manager\tflags\tcustomer_since\tpromise_to_pay_date\tretry_status\tlast_response_date\n"
    "K1\tKept Co\t\t\t2019-01-01\t\tnone\t\n"
    "N1\tDisputing Ltd\t\tdisputed\t2019-01-01\t\tnone\t\n"
    "P1\tPlaced One\tAnn Lee\tkey_account\t2019-01-01\t2026-02-15\tfailed\t2026-01-02\n"
    "P3\tSam Three\t\t\t2020-01-01\t\tnone\t\n"
    "P4\tFour KK\t\t\t2021-01-01\t\t\t\n"
    "R1\tRefused One\t\tbankruptcy\t2019-01-01\t\tnone\t\n"
    "U1\tUpdated Co\t\t\t2019-01-01\t\tnone\t\n";

static const char placed[] =
    "customer_id\tcurrency\tagency\tplaced_date\tplaced_balance\tlast_balance\n"
    "E1\tUSD\tacme\t2026-01-10\t900.00\t900.00\n"
    "K1\tUSD\tagency\t2026-01-15\t300.00\t300.00\n"
    "R1\tUSD\tagency\t2026-01-15\t700.00\t700.00\n"
    "RD1\tUSD\tagency\t2026-01-15\t200.00\t200.00\n"
    "RG1\tUSD\tagency\t2026-01-15\t100.00\t100.00\n"
    "RL1\tUSD\tagency\t2026-01-15\t100.00\t100.00\n"
    "RO1\tUSD\tagency\t2026-02-01\t60.00\t60.00\n"
    "RP1\tUSD\tagency\t2026-01-15\t80.00\t80.00\n"
    "RPP1\tUSD\tagency\t2026-01-15\t150.00\t150.00\n"
    "RPR1\tUSD\tagency\t2026-01-15\t175.00\t175.00\n"
    "U1\tUSD\tagency\t2026-01-20\t500.00\t500.00\n";

static const char activity[] =
    "customer_id\tdate\tchannel\tdirection\tactor\toutcome\tnote\n"
    "P1\t2026-01-05\temail\tout\tDana\tsent\tfirst reminder\n"
    "P1\t2026-01-20\tphone\tout\tDana\tno_answer\t\n"
    "P1\t2026-01-10\tletter\tout\tDana\tsent\tformal letter\n"
    "P1\t2026-01-22\tphone\tin\tDana\tanswered\tpromised to pay by Feb 15, paid with card 4111 1111 1111 1111 SSN 123-45-6789\n"
    "S1\t2026-01-25\temail\tout\tDana\tsent\treminder\n"
    "P1\t2026-02-01\temail\tout\tLee\tsent\toffered 10% discount if paid by March\n"
    "P1\t2026-02-01\tphone\tout\tLee\tno_answer\tleft voicemail, order 4111111111111112\n"
    "P3\t2026-02-10\temail\tout\tDana\tbounced\t=HYPERLINK(\"http://x.example\")\n"
    "P4\t2026-02-02\temail\tout\tDana\tsent\tIBAN on file DE89 3704 0044 0532 0130 00 do not share\n";

/* The master's customers with a blocking flag (disputed, bankruptcy). */
static const char *const blocked[] = { "N1", "R1", NULL };

static const char *staged_path, *activity_path, *fixed_activity_path,
    *invoices_path, *contacts_path, *accounts_path, *placed_path, *ledger_path;
static char out_dir[64], agency_dir[96], batch_dir[128];
static const char *activity_file;	/* tonight's: fixed or fuzzed */
static unsigned options;

static void
fill(const char *path, const uint8_t *data, size_t len)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_TRUNC)) < 0 ||
	    write(fd, data, len) != (ssize_t)len)
		err(1, "%s", path);
	close(fd);
}

static void
remove_tree(const char *path)
{
	char sub[PATH_MAX];
	struct dirent *e;
	struct stat sb;
	DIR *d;

	if (lstat(path, &sb) < 0)
		return;
	if (S_ISDIR(sb.st_mode) && (d = opendir(path)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
				snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
				remove_tree(sub);
			}
		closedir(d);
		rmdir(path);
	} else
		unlink(path);
}

static void
remove_out_dir(void)
{
	remove_tree(out_dir);
}

/*
 * out_dir is DIR/fuzz-agency.PID.  libFuzzer ends without exit handlers
 * at a time limit or a finding, so those of processes gone are removed
 * here, by the next one.
 */
static void
remove_stale(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	long pid;
	DIR *d;

	if ((d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (sscanf(e->d_name, "fuzz-agency.%ld", &pid) == 1 &&
			    kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
				snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
				remove_tree(path);
			}
		closedir(d);
	}
	snprintf(out_dir, sizeof(out_dir), "%s/fuzz-agency.%ld", dir,
	    (long)getpid());
}

/* The child: the filter's main on the files; its status is the child's. */
static void
run(void *unused)
{
	char *argv[24];
	int argc = 0, fd;

	(void)unused;
	argv[argc++] = "agency-pack";
	argv[argc++] = "--invoices";
	argv[argc++] = (char *)invoices_path;
	argv[argc++] = "--contacts";
	argv[argc++] = (char *)contacts_path;
	argv[argc++] = "--activity";
	argv[argc++] = (char *)activity_file;
	if (!(options & 2)) {
		argv[argc++] = "--accounts";
		argv[argc++] = (char *)accounts_path;
	}
	if (!(options & 4)) {
		argv[argc++] = "--placed";
		argv[argc++] = (char *)placed_path;
	}
	argv[argc++] = "--out";
	argv[argc++] = out_dir;
	argv[argc++] = "--as-of";
	argv[argc++] = "2026-03-01";
	argv[argc++] = "--rejects";
	argv[argc++] = "/dev/null";
	argv[argc++] = "--max-rejects";
	argv[argc++] = "1000000000";
	if (options & 1) {
		argv[argc++] = "--format";
		argv[argc++] = "csv";
	}
	argv[argc] = NULL;
	FUZZ_ASSERT((fd = open(staged_path, O_RDONLY)) >= 0 && dup2(fd, 0) == 0);
	close(fd);
	FUZZ_ASSERT((fd = open(ledger_path, O_WRONLY | O_TRUNC)) >= 0 &&
	    dup2(fd, 1) == 1);
	close(fd);
	exit(agency_pack_main(argc, argv));
}

/* The names in dir, sorted, joined by '/'; "" when none or no dir. */
static void
listing(const char *dir, char *buf, size_t size)
{
	struct dirent **names;
	int n, i;

	buf[0] = '\0';
	if ((n = scandir(dir, &names, NULL, alphasort)) < 0)
		return;
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' || (strcmp(names[i]->d_name, ".") &&
		    strcmp(names[i]->d_name, ".."))) {
			if (buf[0] != '\0')
				strncat(buf, "/", size - strlen(buf) - 1);
			strncat(buf, names[i]->d_name, size - strlen(buf) - 1);
		}
		free(names[i]);
	}
	free(names);
}

static int
luhn(const char *d, size_t n)
{
	int sum = 0, v;
	size_t i;

	for (i = 0; i < n; i++) {
		v = d[n - 1 - i] - '0';
		if (i % 2 == 1 && (v *= 2) > 9)
			v -= 9;
		sum += v;
	}
	return sum % 10 == 0;
}

/*
 * No card number left: no maximal run of 13-19 digits passing Luhn, with
 * single spaces or dashes between digits when separators.
 */
static void
check_no_card(struct field f, int separators)
{
	const char *s = f.s;
	char d[20];
	size_t i = 0, n;

#define DIGIT(c)	((c) >= '0' && (c) <= '9')
	while (i < f.len) {
		if (!DIGIT(s[i])) {
			i++;
			continue;
		}
		for (n = 0;;) {
			for (; i < f.len && DIGIT(s[i]); i++, n++)
				if (n < sizeof(d))
					d[n] = s[i];
			if (separators && i + 1 < f.len &&
			    (s[i] == ' ' || s[i] == '-') && DIGIT(s[i + 1]))
				i++;
			else
				break;
		}
		if (n >= 13 && n <= 19)
			FUZZ_ASSERT(!luhn(d, n));
	}
#undef DIGIT
}

static int64_t
amount_of(struct field f, struct field code)
{
	const struct currency *c;
	const char *errstr;
	int64_t v;

	FUZZ_ASSERT((c = currency_find(code.s, code.len)) != NULL);
	FUZZ_ASSERT(money_parse_plain(f.s, f.len, c->exponent, &v, &errstr) == 0);
	return v;
}

/* "EUR 250.00,USD 12080.00": money per currency, by code. */
static void
totals_text(const struct fuzz_table *t, int cur, int amount, char *buf,
    size_t size)
{
	struct { char code[4]; int64_t sum; int exponent; } tot[64], swap;
	const struct currency *c;
	char money[MONEY_TEXT_MAX];
	size_t i;
	int n = 0, k, j;

	for (i = 0; i < t->n; i++) {
		FUZZ_ASSERT((c = currency_find(t->r[i].f[cur].s,
		    t->r[i].f[cur].len)) != NULL);
		for (k = 0; k < n && strcmp(tot[k].code, c->code) != 0; k++)
			;
		if (k == n) {
			FUZZ_ASSERT(n < 64);
			memcpy(tot[n].code, c->code, 4);
			tot[n].exponent = c->exponent;
			tot[n++].sum = 0;
		}
		FUZZ_ASSERT(money_add(&tot[k].sum, amount_of(t->r[i].f[amount],
		    t->r[i].f[cur])) == 0);
	}
	for (k = 1; k < n; k++)
		for (j = k; j > 0 && strcmp(tot[j - 1].code, tot[j].code) > 0; j--) {
			swap = tot[j];
			tot[j] = tot[j - 1];
			tot[j - 1] = swap;
		}
	buf[0] = '\0';
	for (k = 0; k < n; k++) {
		money_format(money, tot[k].sum, tot[k].exponent);
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s %s",
		    k ? "," : "", tot[k].code, money);
	}
}

static void
check_manifest(const char *ext, const struct fuzz_table *pl)
{
	static const char *const m_names[] = { "file", "rows", "total", "sha256" };
	struct fuzz_table m, recs;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, k;
	char path[PATH_MAX], hex[2 * EVP_MAX_MD_SIZE + 1], total[4096];
	char *text;
	size_t i, len;

	snprintf(path, sizeof(path), "%s/manifest.tsv", batch_dir);
	fuzz_load_named(&m, path, 4, m_names);
	FUZZ_ASSERT(m.n == 5);
	totals_text(pl, 1, 2, total, sizeof(total));
	for (i = 0; i < m.n; i++) {
		const struct fuzz_rec *r = &m.r[i];

		FUZZ_ASSERT(strchr(r->f[0].s, '/') == NULL);
		FUZZ_ASSERT(strlen(r->f[0].s) > 4 &&
		    strcmp(r->f[0].s + strlen(r->f[0].s) - 3, ext) == 0);
		snprintf(path, sizeof(path), "%s/%s", batch_dir, r->f[0].s);
		text = fuzz_slurp(path, &len);
		FUZZ_ASSERT(EVP_Digest(text, len, md, &mdlen, EVP_sha256(),
		    NULL) == 1);
		free(text);
		for (k = 0; k < mdlen; k++)
			snprintf(hex + 2 * k, 3, "%02x", md[k]);
		FUZZ_ASSERT(strcmp(hex, r->f[3].s) == 0);
		fuzz_load(&recs, path, 0, NULL);
		FUZZ_ASSERT((long long)recs.n == strtoll(r->f[1].s, NULL, 10));
		fuzz_unload(&recs);
		/* the placements' money, and their invoices' (the same) */
		if (strncmp(r->f[0].s, "placement", 9) == 0)
			FUZZ_ASSERT(strcmp(total, r->f[2].s) == 0);
	}
	fuzz_unload(&m);
}

static void
check_batch(void)
{
	static const char *const pl_names[] = { "customer_id", "currency",
	    "total_due", "invoice_count", "notes" };
	static const char *const pi_names[] = { "customer_id", "currency",
	    "balance" };
	static const char *const ac_names[] = { "note" };
	static const char *const lg_names[] = { "customer_id", "currency",
	    "agency", "placed_date", "placed_balance" };
	const char *ext = options & 1 ? "csv" : "tsv";
	struct fuzz_table pl, pi, ac, lg;
	char path[PATH_MAX], names[1024];
	size_t i, j, count, belongs;
	int64_t sum;
	int k, found;

	listing(agency_dir, names, sizeof(names));
	FUZZ_ASSERT(strcmp(names, "2026-03-01") == 0);
	snprintf(path, sizeof(path), "%s/placements.%s", batch_dir, ext);
	fuzz_load_named(&pl, path, 5, pl_names);
	snprintf(path, sizeof(path), "%s/placement_invoices.%s", batch_dir, ext);
	fuzz_load_named(&pi, path, 3, pi_names);
	snprintf(path, sizeof(path), "%s/activity.%s", batch_dir, ext);
	fuzz_load_named(&ac, path, 1, ac_names);
	fuzz_load_named(&lg, ledger_path, 5, lg_names);
	for (belongs = 0, i = 0; i < pl.n; i++) {
		const struct fuzz_rec *p = &pl.r[i];

		FUZZ_ASSERT(!p->bad);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(!fuzz_same(pl.r[j].f[0], p->f[0]) ||
			    !fuzz_same(pl.r[j].f[1], p->f[1]));
		for (k = 0; !(options & 2) && blocked[k] != NULL; k++)
			FUZZ_ASSERT(!fuzz_is(p->f[0], blocked[k]));
		for (sum = 0, count = 0, j = 0; j < pi.n; j++)
			if (fuzz_same(pi.r[j].f[0], p->f[0]) &&
			    fuzz_same(pi.r[j].f[1], p->f[1])) {
				FUZZ_ASSERT(money_add(&sum, amount_of(pi.r[j].f[2],
				    p->f[1])) == 0);
				count++;
			}
		belongs += count;
		FUZZ_ASSERT(sum == amount_of(p->f[2], p->f[1]));
		FUZZ_ASSERT(count == (size_t)strtoul(p->f[3].s, NULL, 10));
		check_no_card(p->f[4], 0);
		for (found = 0, j = 0; j < lg.n; j++)
			found |= fuzz_same(lg.r[j].f[0], p->f[0]) &&
			    fuzz_same(lg.r[j].f[1], p->f[1]) &&
			    fuzz_is(lg.r[j].f[2], "agency") &&
			    fuzz_is(lg.r[j].f[3], "2026-03-01") &&
			    amount_of(lg.r[j].f[4], p->f[1]) == sum;
		FUZZ_ASSERT(found);
	}
	FUZZ_ASSERT(belongs == pi.n);
	for (i = 0; i < ac.n; i++)
		check_no_card(ac.r[i].f[0], 1);
	check_manifest(ext, &pl);
	fuzz_unload(&pl);
	fuzz_unload(&pi);
	fuzz_unload(&ac);
	fuzz_unload(&lg);
}

/* Every file of the batch and the ledger, end to end with their names. */
static char *
snapshot(size_t *len)
{
	char names[1024], path[PATH_MAX], *all = NULL, *name, *text, *next;
	size_t n, total = 0;

	listing(batch_dir, names, sizeof(names));
	for (name = names; name != NULL && *name != '\0'; name = next) {
		if ((next = strchr(name, '/')) != NULL)
			*next++ = '\0';
		snprintf(path, sizeof(path), "%s/%s", batch_dir, name);
		text = fuzz_slurp(path, &n);
		FUZZ_ASSERT((all = realloc(all, total + strlen(name) + 1 + n)) != NULL);
		memcpy(all + total, name, strlen(name) + 1);
		total += strlen(name) + 1;
		memcpy(all + total, text, n);
		total += n;
		free(text);
	}
	text = fuzz_slurp(ledger_path, &n);
	FUZZ_ASSERT((all = realloc(all, total + n + 1)) != NULL);
	memcpy(all + total, text, n);
	free(text);
	*len = total + n;
	return all;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ff;
	char names[1024], *before, *after;
	size_t staged_len, before_len, after_len;
	int status;

	if (staged_path == NULL) {
		remove_stale(access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		FUZZ_ASSERT(mkdir(out_dir, 0700) == 0);
		atexit(remove_out_dir);
		snprintf(agency_dir, sizeof(agency_dir), "%s/agency", out_dir);
		snprintf(batch_dir, sizeof(batch_dir), "%s/2026-03-01", agency_dir);
		staged_path = fuzz_scratch();
		activity_path = fuzz_scratch();
		ledger_path = fuzz_scratch();
		invoices_path = fuzz_scratch_with(invoices, sizeof(invoices) - 1);
		contacts_path = fuzz_scratch_with(contacts, sizeof(contacts) - 1);
		accounts_path = fuzz_scratch_with(accounts, sizeof(accounts) - 1);
		placed_path = fuzz_scratch_with(placed, sizeof(placed) - 1);
		fixed_activity_path = fuzz_scratch_with(activity, sizeof(activity) - 1);
	}
	options = fuzz_take(&data, &size);
	ff = memchr(data, '\f', size);
	staged_len = ff != NULL ? (size_t)(ff - data) : size;
	fill(staged_path, data, staged_len);
	activity_file = fixed_activity_path;
	if (ff != NULL) {
		fill(activity_path, ff + 1, size - staged_len - 1);
		activity_file = activity_path;
	}
	remove_tree(agency_dir);
	status = fuzz_child(run, NULL);
	if (status == EX_DATAERR || status == EX_NOINPUT) {
		/* refused whole: no batch, nothing half made */
		listing(agency_dir, names, sizeof(names));
		FUZZ_ASSERT(names[0] == '\0');
		return 0;
	}
	if (status != EX_OK)
		fuzz_child_stderr();
	FUZZ_ASSERT(status == EX_OK);
	check_batch();
	before = snapshot(&before_len);
	if ((status = fuzz_child(run, NULL)) != EX_OK)
		fuzz_child_stderr();
	FUZZ_ASSERT(status == EX_OK);
	after = snapshot(&after_len);
	FUZZ_ASSERT(before_len == after_len && memcmp(before, after, before_len) == 0);
	listing(agency_dir, names, sizeof(names));
	FUZZ_ASSERT(strcmp(names, "2026-03-01") == 0);
	free(before);
	free(after);
	return 0;
}
