/*
 * night-report's whole row path: the filter itself, compiled in with its
 * main renamed and run as a command in a child process (it exits on input
 * it refuses).  The history is three nights (2026-03-01, 2026-03-02 and
 * tonight, 2026-03-03) in a scratch directory under /dev/shm, and
 * stage-outcomes' four files, all fixed valid text from
 * testdata/night-report (a hostile customer name, USD and JPY); the title
 * is hostile too.  The input: a first byte b picks the file, b % 9 of
 * events, payments, agency, summary, staged (of tonight, the night before
 * or the first: b / 9 % 3), outcomes, delays, rolls, agency results; the
 * rest of the input is that file (the fixed one is put back after).
 * moved.tsv is not fuzzed: night-report never reads it.  Properties: the
 * exit status is 0, 65 (a missing column, a total that overflows) or 66 (a
 * file it cannot read); at 0, the output is one HTML document from
 * <!DOCTYPE html> to </html> and a newline in which every '<' opens or
 * closes a tag the program writes (a whitelist of names, each attribute
 * from a whitelist and quoted), no '<' or '>' stands in text or in an
 * attribute's value, every '&' begins one of the five escapes h_text
 * writes, nothing says "<script" or "url(" in any case; a second run
 * writes the same bytes.  Text from the input that was not escaped
 * breaks one of these.
 */
#define main night_report_main
#include "../../filters/night-report.c"
#undef main

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <strings.h>
#include <sys/stat.h>

#include "child.h"
#include "fuzz.h"
#include "history.h"
#include "records.h"

#define NNIGHTS	3
#define NFILES	5
#define NOPTS	4

static const char *const night_names[NNIGHTS] = {
	"2026-03-01", "2026-03-02", "2026-03-03"
};
static const char *const file_names[NFILES] = {
	"events.tsv", "payments.tsv", "agency.tsv", "summary.tsv", "staged.tsv"
};

/* The nights' files; one absent from here is absent from its night. */
static const struct history_file fixed[] = {
	{ 0, 0,
	    "date\tcustomer_id\tcurrency\tfrom_stage\tto_stage\trule\treason\topen_balance\n"
	    "2026-03-01\tC1\tUSD\t\tsupport\tsupport\tmax_dpd 10 in 1..14\t1200.00\n"
	    "2026-03-01\tC2\tJPY\t\tbilling\tbilling\tmax_dpd 20 in 15..30\t150000\n"
	    "2026-03-01\tC3\tUSD\t\tcollections\tcollections\tmax_dpd 100 >= 61\t5000.50\n"
	    "2026-03-01\tC4\tUSD\t\tcurrent\tnot_due\tmax_dpd 0 <= 0\t300.00\n"
	},
	{ 0, 1,
	    "customer_id\tcurrency\tapplied\tpayments\n"
	},
	{ 0, 2,
	    "customer_id\tcurrency\taction\treason\tbalance\n"
	    "C3\tUSD\tplaced\t\t5000.50\n"
	},
	{ 0, 3,
	    "section\tname\tcurrency\tcount\tamount\n"
	    "stage\tcurrent\tUSD\t1\t300.00\n"
	    "stage\tsupport\tUSD\t1\t1200.00\n"
	    "stage\tcollections\tUSD\t1\t5000.50\n"
	    "stage\tbilling\tJPY\t1\t150000\n"
	    "owner\tagency\tUSD\t1\t5000.50\n"
	    "total\topen_balance\tJPY\t1\t150000\n"
	    "total\topen_balance\tUSD\t3\t6500.50\n"
	    "moved\tnew>support\tUSD\t1\t1200.00\n"
	    "rejects\taging-normalize\t\t0\t\n"
	},
	{ 0, 4,
	    "customer_id\tcurrency\tname\tstage\towner\taction\toutreach\tnotify\tnotify_to\trule\treason\topen_balance\tinvoice_count\toldest_due_date\tmax_dpd\tbal_current\tbal_1_30\tbal_31_60\tbal_61_90\tbal_91_120\tbal_120_plus\tsilent_days\tstage_since\tprevious_stage\tflags\tdisputed_balance\n"
	    "C1\tUSD\t<b>Smith & \"Sons\"</b> 'Ltd'\tsupport\t\t\t\t\t\tsupport\t\t1200.00\t1\t\t10\t0.00\t1200.00\t0.00\t0.00\t0.00\t0.00\t\t2026-03-01\t\t\t0.00\n"
	    "C2\tJPY\tIto Trading\tbilling\t\t\t\t\t\tbilling\t\t150000\t1\t\t20\t0\t150000\t0\t0\t0\t0\t\t2026-03-01\t\t\t0\n"
	    "C3\tUSD\tAlpha Co\tcollections\t\t\t\t\t\tcollections\t\t5000.50\t1\t\t100\t0.00\t0.00\t0.00\t2000.50\t3000.00\t0.00\t\t2026-03-01\t\t\t0.00\n"
	    "C4\tUSD\tBeta GmbH\tcurrent\t\t\t\t\t\tnot_due\t\t300.00\t1\t\t0\t300.00\t0.00\t0.00\t0.00\t0.00\t0.00\t\t2026-03-01\t\t\t0.00\n"
	},
	{ 1, 0,
	    "date\tcustomer_id\tcurrency\tfrom_stage\tto_stage\trule\treason\topen_balance\n"
	    "2026-03-02\tC1\tUSD\tsupport\tbilling\tbilling\tmax_dpd 15 in 15..30\t1200.00\n"
	},
	{ 1, 1,
	    "customer_id\tcurrency\tapplied\tpayments\n"
	    "C3\tUSD\t1000.00\t1\n"
	},
	{ 1, 2,
	    "customer_id\tcurrency\taction\treason\tbalance\n"
	    "C3\tUSD\tupdated\t\t4000.50\n"
	},
	{ 1, 3,
	    "section\tname\tcurrency\tcount\tamount\n"
	    "stage\tcurrent\tUSD\t1\t300.00\n"
	    "stage\tbilling\tUSD\t1\t1200.00\n"
	    "stage\tcollections\tUSD\t1\t4000.50\n"
	    "stage\tbilling\tJPY\t1\t150000\n"
	    "total\topen_balance\tJPY\t1\t150000\n"
	    "total\topen_balance\tUSD\t3\t5500.50\n"
	    "rejects\taging-normalize\t\t0\t\n"
	},
	{ 2, 0,
	    "date\tcustomer_id\tcurrency\tfrom_stage\tto_stage\trule\treason\topen_balance\n"
	    "2026-03-03\tC1\tUSD\tbilling\tfinance_review\treview\tmax_dpd 31 in 31..60\t1200.00\n"
	    "2026-03-03\tC2\tJPY\tbilling\tpromise\tpromise\tpromise_to_pay_date 2026-03-10 >= as_of\t100000\n"
	    "2026-03-03\tC3\tUSD\tcollections\tlegal\tlegal\tflags has legal_hold\t4000.50\n"
	    "2026-03-03\tC4\tUSD\tcurrent\tsupport\tsupport\tmax_dpd 3 in 1..14\t300.00\n"
	},
	{ 2, 1,
	    "customer_id\tcurrency\tapplied\tpayments\n"
	    "C2\tJPY\t50000\t1\n"
	},
	{ 2, 2,
	    "customer_id\tcurrency\taction\treason\tbalance\n"
	    "C3\tUSD\trecalled\tlegal\t4000.50\n"
	},
	{ 2, 3,
	    "section\tname\tcurrency\tcount\tamount\n"
	    "stage\tsupport\tUSD\t1\t300.00\n"
	    "stage\tfinance_review\tUSD\t1\t1200.00\n"
	    "stage\tlegal\tUSD\t1\t4000.50\n"
	    "stage\tpromise\tJPY\t1\t100000\n"
	    "total\topen_balance\tJPY\t1\t100000\n"
	    "total\topen_balance\tUSD\t3\t5500.50\n"
	    "total\tdisputed_balance\tUSD\t0\t0.00\n"
	    "rejects\taging-normalize\t\t0\t\n"
	},
	{ 2, 4,
	    "customer_id\tcurrency\tname\tstage\towner\taction\toutreach\tnotify\tnotify_to\trule\treason\topen_balance\tinvoice_count\toldest_due_date\tmax_dpd\tbal_current\tbal_1_30\tbal_31_60\tbal_61_90\tbal_91_120\tbal_120_plus\tsilent_days\tstage_since\tprevious_stage\tflags\tdisputed_balance\n"
	    "C1\tUSD\t<b>Smith & \"Sons\"</b> 'Ltd'\tfinance_review\t\t\t\t\t\treview\t\t1200.00\t1\t\t31\t0.00\t0.00\t1200.00\t0.00\t0.00\t0.00\t\t2026-03-03\tbilling\t\t0.00\n"
	    "C2\tJPY\tIto Trading\tpromise\t\t\t\t\t\tpromise\t\t100000\t1\t\t33\t0\t0\t100000\t0\t0\t0\t\t2026-03-03\tbilling\t\t0\n"
	    "C3\tUSD\tAlpha Co\tlegal\t\t\t\t\t\tlegal\t\t4000.50\t1\t\t102\t0.00\t0.00\t0.00\t1000.50\t3000.00\t0.00\t\t2026-03-03\tcollections\t\t0.00\n"
	    "C4\tUSD\tBeta GmbH\tsupport\t\t\t\t\t\tsupport\t\t300.00\t1\t\t3\t0.00\t300.00\t0.00\t0.00\t0.00\t0.00\t\t2026-03-03\tcurrent\t\t0.00\n"
	},
};

/* stage-outcomes' files: --outcomes, --delays, --rolls, --agency. */
static const struct {
	int		 opt;
	const char	*text;
} fixed_opts[NOPTS] = {
	{ 0,
	    "stage\tmonth\tcurrency\tentered\tentered_balance\trecovered_30\trecovered_60\trecovered_90\tshare_30\tshare_60\tshare_90\trecovered_balance\tmedian_days\tmoved_on_unpaid\tstill_in\n"
	    "billing\t2026-01\tUSD\t10\t10000.00\t3\t5\t6\t30.0\t50.0\t60.0\t4000.00\t12\t2\t1\n"
	    "billing\t2026-02\tUSD\t4\t4000.00\t1\t2\t2\t25.0\t50.0\t\t500.00\t9\t0\t2\n"
	    "billing\t2026-03\tJPY\t1\t150000\t0\t0\t0\t\t\t\t0\t\t0\t1\n"
	    "collections\t2026-01\tUSD\t5\t25000.00\t1\t1\t2\t20.0\t20.0\t40.0\t3000.00\t40\t0\t3\n"
	    "support\t2026-03\tUSD\t1\t1200.00\t0\t0\t0\t\t\t\t0.00\t1\t1\t0\n"
	},
	{ 1,
	    "stage\trule\tmonth\tcurrency\tchanges\tmedian_delay\tmax_delay\tlate\tlate_balance\n"
	    "billing\tbilling\t2026-03\tUSD\t1\t0\t0\t0\t0.00\n"
	    "collections\tcollections\t2026-03\tUSD\t1\t39\t39\t1\t5000.50\n"
	},
	{ 2,
	    "from_month\tto_month\tcurrency\tfrom_bucket\tto_bucket\taccounts\tbalance\tshare\n"
	    "2026-01\t2026-02\tJPY\t1_30\tclosed\t1\t150000\t100.0\n"
	    "2026-01\t2026-02\tUSD\t1_30\t31_60\t1\t1200.00\t100.0\n"
	},
	{ 3,
	    "month\tcurrency\tplaced\tplaced_balance\tupdated\trecalled\trecalled_balance\trecalled_paid\trecalled_disputed\trecalled_legal\trecalled_payment_pending\trecalled_promise\trecalled_other\tpaid_while_placed\tpaid_while_placed_balance\n"
	    "2026-03\tUSD\t1\t5000.50\t1\t1\t4000.50\t0\t0\t1\t0\t0\t0\t1\t1000.00\n"
	},
};

/* The tags and attributes the program writes, and nothing else. */
static const char *const tags[] = {
	"html", "head", "meta", "title", "style", "body", "main", "footer",
	"h1", "h2", "h3", "p", "section", "figure", "div", "ul", "li", "dl",
	"dt", "dd", "table", "caption", "thead", "tbody", "tr", "th", "td",
	"svg", "rect", "line", "polyline", "polygon", "circle", "text", NULL
};
static const char *const attributes[] = {
	"lang", "charset", "name", "content", "id", "class", "role", "colspan",
	"aria-label", "aria-hidden", "viewBox", "x", "y", "x1", "y1", "x2",
	"y2", "cx", "cy", "r", "width", "height", "points", "fill", "stroke",
	"stroke-width", "text-anchor", NULL
};
static const char *const escapes[] = {
	"&amp;", "&lt;", "&gt;", "&quot;", "&#39;", NULL
};

static const char title[] = "Night <b>&\"report\"</b> 'x' <script>";
static const char doctype[] = "<!DOCTYPE html>";
static const char *opt_path[NOPTS], *out_path;

static struct history hist = {
	.prefix = "fuzz-report", .nights = night_names, .nnights = NNIGHTS,
	.files = file_names, .nfiles = NFILES,
	.fixed = fixed, .nfixed = sizeof(fixed) / sizeof(fixed[0]),
};

/* The history, and the files the run writes. */
static void
make_history(void)
{
	int f;

	history_make(&hist);
	for (f = 0; f < NOPTS; f++)
		opt_path[f] = fuzz_scratch_with(fixed_opts[f].text,
		    strlen(fixed_opts[f].text));
	out_path = fuzz_scratch();
}

/* The child: the filter's main on the history; its status is the child's. */
static void
run(void *unused)
{
	char *argv[24];
	int argc = 0, fd, n;

	(void)unused;
	argv[argc++] = "night-report";
	argv[argc++] = "--as-of";
	argv[argc++] = "2026-03-03";
	argv[argc++] = "--title";
	argv[argc++] = (char *)title;
	argv[argc++] = "--outcomes";
	argv[argc++] = (char *)opt_path[0];
	argv[argc++] = "--delays";
	argv[argc++] = (char *)opt_path[1];
	argv[argc++] = "--rolls";
	argv[argc++] = (char *)opt_path[2];
	argv[argc++] = "--agency";
	argv[argc++] = (char *)opt_path[3];
	argv[argc++] = "--rejects";
	argv[argc++] = "/dev/null";
	argv[argc++] = "--max-rejects";
	argv[argc++] = "1000000000";
	for (n = NNIGHTS - 1; n >= 0; n--)	/* any order will do */
		argv[argc++] = hist.dir[n];
	argv[argc] = NULL;
	FUZZ_ASSERT((fd = open(out_path, O_WRONLY | O_TRUNC)) >= 0 &&
	    dup2(fd, 1) == 1);
	close(fd);
	exit(night_report_main(argc, argv));
}

/* The word at s (len bytes) is one of list's; its index, else -1. */
static int
one_of(const char *const *list, const char *s, size_t len)
{
	int k;

	for (k = 0; list[k] != NULL; k++)
		if (strlen(list[k]) == len && memcmp(list[k], s, len) == 0)
			return k;
	return -1;
}

/* Text or a value from s[i], up to stop; '<', '>' never, '&' escapes only. */
static size_t
check_text(const char *s, size_t len, size_t i, char stop)
{
	int k, found;

	for (; i < len && s[i] != stop; i++) {
		FUZZ_ASSERT(s[i] != '>' && s[i] != '<');
		if (s[i] != '&')
			continue;
		for (found = 0, k = 0; escapes[k] != NULL; k++)
			found |= len - i >= strlen(escapes[k]) &&
			    memcmp(s + i, escapes[k], strlen(escapes[k])) == 0;
		FUZZ_ASSERT(found);
	}
	return i;
}

/* A name at s[i] of letters, digits and '-'; its length. */
static size_t
name_len(const char *s, size_t len, size_t i)
{
	size_t n;

	for (n = 0; i + n < len && (isalnum((unsigned char)s[i + n]) ||
	    s[i + n] == '-'); n++)
		;
	return n;
}

/* The tag at s[i] == '<'; where it ends.  *html counts <html> opened. */
static size_t
check_tag(const char *s, size_t len, size_t i, int *html)
{
	size_t n;
	int closing, tag;

	i++;
	if ((closing = i < len && s[i] == '/'))
		i++;
	n = name_len(s, len, i);
	FUZZ_ASSERT((tag = one_of(tags, s + i, n)) >= 0);
	*html += !closing && tag == 0;
	for (i += n; i < len && s[i] != '>';) {
		if (!closing && s[i] == '/' && i + 1 < len && s[i + 1] == '>') {
			i++;
			break;
		}
		FUZZ_ASSERT(!closing && s[i] == ' ');
		n = name_len(s, len, ++i);
		FUZZ_ASSERT(one_of(attributes, s + i, n) >= 0);
		i += n;
		FUZZ_ASSERT(len - i > 2 && s[i] == '=' && s[i + 1] == '"');
		i = check_text(s, len, i + 2, '"');
		FUZZ_ASSERT(i < len);
		i++;
	}
	FUZZ_ASSERT(i < len);
	return i + 1;
}

static void
check_page(void)
{
	static const char end[] = "</html>\n";
	size_t len, i;
	int html = 0;
	char *s = fuzz_slurp(out_path, &len);

	FUZZ_ASSERT(len > strlen(doctype) + strlen(end) &&
	    memcmp(s, doctype, strlen(doctype)) == 0 &&
	    memcmp(s + len - strlen(end), end, strlen(end)) == 0);
	for (i = 0; i < len; i++)
		FUZZ_ASSERT(strncasecmp(s + i, "<script", 7) != 0 &&
		    strncasecmp(s + i, "url(", 4) != 0);
	for (i = strlen(doctype); i < len;)
		i = s[i] == '<' ? check_tag(s, len, i, &html) :
		    check_text(s, len, i, '<');
	FUZZ_ASSERT(html == 1);
	free(s);
}

static int
status_of_run(void)
{
	int status = fuzz_child(run, NULL);

	if (status != EX_OK && status != EX_DATAERR && status != EX_NOINPUT)
		fuzz_child_stderr();
	FUZZ_ASSERT(status == EX_OK || status == EX_DATAERR ||
	    status == EX_NOINPUT);
	return status;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *before, *after;
	size_t len, n;
	unsigned pick;
	int night = 0, file;

	if (hist.root[0] == '\0')
		make_history();
	pick = fuzz_take(&data, &size);
	file = pick % (NFILES + NOPTS);
	if (file < NFILES) {
		night = NNIGHTS - 1 - pick / (NFILES + NOPTS) % NNIGHTS;
		history_put(&hist, night, file, (const char *)data, size);
	} else
		history_fill(opt_path[file - NFILES], (const char *)data, size);
	if (status_of_run() == EX_OK) {
		check_page();
		before = fuzz_slurp(out_path, &len);
		FUZZ_ASSERT(status_of_run() == EX_OK);
		after = fuzz_slurp(out_path, &n);
		FUZZ_ASSERT(n == len && memcmp(before, after, n) == 0);
		free(before);
		free(after);
	}
	if (file < NFILES)
		history_put_fixed(&hist, night, file);
	else
		history_fill(opt_path[file - NFILES], fixed_opts[file - NFILES].text,
		    strlen(fixed_opts[file - NFILES].text));
	return 0;
}
