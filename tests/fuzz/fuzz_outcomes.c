/*
 * stage-outcomes' whole row path: the filter itself, compiled in with its
 * main renamed and run as a command in a child process (it exits on input
 * it refuses).  The history is three nights (2026-01-05, 2026-01-31,
 * 2026-02-28, as of 2026-03-10) in a scratch directory under /dev/shm,
 * their files fixed valid text from testdata/stage-outcomes/h1 (moved to
 * these dates).  The input: a first byte picks the file, b % 5 of events,
 * moved, payments, agency, staged, and the night, b / 5 % 3; the rest of
 * the input is that file (the fixed one is put back after the input).  Run
 * with --delays, --rolls and --agency into scratch files and rejects
 * allowed.  Properties: the exit status is 0, 65 (a missing column, a sum
 * out of range) or 66 (a file it cannot read); at 0, every output is a
 * header line and rows of the header's number of fields, every outcome row
 * has entered >= recovered_90 >= recovered_60 >= recovered_30 >= 0,
 * still_in and moved_on_unpaid each at most entered, and a second run
 * writes the same bytes.
 */
#define main stage_outcomes_main
#include "../../filters/stage-outcomes.c"
#undef main

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>

#include "child.h"
#include "fuzz.h"
#include "history.h"
#include "records.h"

#define NNIGHTS	3
#define NFILES	5

static const char *const night_names[NNIGHTS] = {
	"2026-01-05", "2026-01-31", "2026-02-28"
};
static const char *const file_names[NFILES] = {
	"events.tsv", "moved.tsv", "payments.tsv", "agency.tsv", "staged.tsv"
};

/* The history's files; one absent from here is absent from its night. */
static const struct history_file fixed[] = {
	{ 0, 0,
	    "date\tcustomer_id\tcurrency\tfrom_stage\tto_stage\trule\treason\topen_balance\n"
	    "2026-01-05\tC1\tUSD\t\tsupport\tsupport\tmax_dpd 3 between 1 and 14\t100.00\n"
	    "2026-01-05\tC2\tUSD\t\tbilling\tbilling\tmax_dpd 15 between 15 and 30\t200.00\n"
	    "2026-01-05\tC3\tUSD\t\tsupport\tsupport\tmax_dpd 1 between 1 and 14\t300.00\n"
	    "2026-01-05\tC4\tUSD\t\tsupport\tsupport\tmax_dpd 5 between 1 and 14\t40.00\n"
	    "2026-01-05\tC5\tUSD\t\tfinance_review\treview\tmax_dpd 40 between 31 and 60\t1000.00\n"
	},
	{ 0, 1,
	    "customer_id\tcurrency\tname\tstage\trule\topen_balance\toldest_due_date\tmax_dpd\tstage_since\n"
	    "C1\tUSD\tAnn Lee\tsupport\tsupport\t100.00\t2026-01-02\t3\t2026-01-05\n"
	    "C2\tUSD\tBo Chen\tbilling\tbilling\t200.00\t2025-12-21\t15\t2026-01-05\n"
	    "C3\tUSD\tCy Diaz\tsupport\tsupport\t300.00\t2026-01-04\t1\t2026-01-05\n"
	    "C4\tUSD\tDi Eng\tsupport\tsupport\t40.00\t2025-12-31\t5\t2026-01-05\n"
	    "C5\tUSD\tEd Fox\tfinance_review\treview\t1000.00\t2025-11-26\t40\t2026-01-05\n"
	},
	{ 0, 2,
	    "customer_id\tcurrency\tapplied\tpayments\n"
	},
	{ 0, 3,
	    "customer_id\tcurrency\taction\treason\tbalance\n"
	},
	{ 1, 0,
	    "date\tcustomer_id\tcurrency\tfrom_stage\tto_stage\trule\treason\topen_balance\n"
	    "2026-01-31\tC1\tUSD\tsupport\tcurrent\tsettled\topen_balance 0.00 < 5\t0.00\n"
	},
	{ 1, 1,
	    "customer_id\tcurrency\tname\tstage\trule\topen_balance\toldest_due_date\tmax_dpd\tstage_since\n"
	    "C1\tUSD\tAnn Lee\tcurrent\tsettled\t0.00\t\t\t2026-01-31\n"
	},
	{ 1, 2,
	    "customer_id\tcurrency\tapplied\tpayments\n"
	    "C1\tUSD\t100.00\t1\n"
	},
	{ 1, 3,
	    "customer_id\tcurrency\taction\treason\tbalance\n"
	    "C5\tUSD\tplaced\t\t1000.00\n"
	    "C9\tUSD\tplaced\t\t700.00\n"
	},
	{ 1, 4,
	    "customer_id\tcurrency\tname\tstage\trule\topen_balance\toldest_due_date\tmax_dpd\tstage_since\n"
	    "C13\tUSD\tMo Ng\tsupport\tsupport\t80.00\t2026-01-31\t0\t2026-01-31\n"
	    "C12\tUSD\tLu Ma\tcurrent\tsettled\t0.00\t\t\t2026-01-20\n"
	    "C14\tJPY\tOda Ko\tbilling\tbilling\t12000\t2025-10-28\t95\t2026-01-02\n"
	    "C15\tUSD\tPia Qu\tcollections\tplaced\t400.00\t2025-09-23\t130\t2025-12-01\n"
	    "C16\tUSD\tRay Su\tsupport\tsupport\t20.00\t2026-01-21\t10\t2026-01-25\n"
	    "C17\tUSD\tSal Tu\tsupport\tsupport\t15.00\t2026-01-26\t5\t2026-01-28\n"
	    "C2\tUSD\tBo Chen\tbilling\tbilling\t200.00\t2025-12-21\t41\t2026-01-05\n"
	    "C3\tUSD\tCy Diaz\tbilling\tbilling\t300.00\t2026-01-04\t27\t2026-01-25\n"
	    "C5\tUSD\tEd Fox\tfinance_review\treview\t1000.00\t2025-11-26\t66\t2026-01-05\n"
	},
	{ 2, 0,
	    "date\tcustomer_id\tcurrency\tfrom_stage\tto_stage\trule\treason\topen_balance\n"
	    "2026-02-28\tC2\tUSD\tbilling\tcurrent\tsettled\topen_balance 0.00 < 5\t0.00\n"
	},
	{ 2, 1,
	    "customer_id\tcurrency\tname\tstage\trule\topen_balance\toldest_due_date\tmax_dpd\tstage_since\n"
	    "C2\tUSD\tBo Chen\tcurrent\tsettled\t0.00\t\t\t2026-02-28\n"
	},
	{ 2, 2,
	    "customer_id\tcurrency\tapplied\tpayments\n"
	    "C2\tUSD\t200.00\t1\n"
	    "C9\tUSD\t100.00\t1\n"
	},
	{ 2, 3,
	    "customer_id\tcurrency\taction\treason\tbalance\n"
	    "C9\tUSD\trecalled\tdisputed\t600.00\n"
	},
	{ 2, 4,
	    "customer_id\tcurrency\tname\tstage\trule\topen_balance\toldest_due_date\tmax_dpd\tstage_since\n"
	    "C13\tUSD\tMo Ng\tsupport\tsupport\t80.00\t2026-01-31\t28\t2026-01-31\n"
	    "C14\tJPY\tOda Ko\tcurrent\tsettled\t0\t\t\t2026-02-15\n"
	    "C15\tUSD\tPia Qu\tcollections\tplaced\t400.00\t2025-09-23\t158\t2025-12-01\n"
	    "C17\tUSD\tSal Tu\tfinance_review\treview\t15.00\t2026-01-26\t33\t2026-02-26\n"
	    "C18\tJPY\tUma Vo\tfinance_review\treview\t7000\t2026-01-14\t45\t2026-02-20\n"
	    "C3\tUSD\tCy Diaz\tbilling\tbilling\t290.00\t2026-01-04\t55\t2026-01-25\n"
	    "C5\tUSD\tEd Fox\tcollections\tcollections\t1000.00\t2025-11-26\t94\t2026-02-10\n"
	    "C9\tUSD\tIvo Ju\tdispute\tdispute\t650.00\t2025-12-20\t70\t2026-02-20\n"
	},
};

enum { OUT_OUTCOMES, OUT_DELAYS, OUT_ROLLS, OUT_AGENCY, NOUT };
static const char *out_path[NOUT];

static struct history hist = {
	.prefix = "fuzz-outcomes", .nights = night_names, .nnights = NNIGHTS,
	.files = file_names, .nfiles = NFILES,
	.fixed = fixed, .nfixed = sizeof(fixed) / sizeof(fixed[0]),
};

/* The history, and the files the run writes. */
static void
make_history(void)
{
	int f;

	history_make(&hist);
	for (f = 0; f < NOUT; f++)
		out_path[f] = fuzz_scratch();
}

/* The child: the filter's main on the history; its status is the child's. */
static void
run(void *unused)
{
	char *argv[24];
	int argc = 0, fd, n;

	(void)unused;
	argv[argc++] = "stage-outcomes";
	argv[argc++] = "--as-of";
	argv[argc++] = "2026-03-10";
	argv[argc++] = "--delays";
	argv[argc++] = (char *)out_path[OUT_DELAYS];
	argv[argc++] = "--rolls";
	argv[argc++] = (char *)out_path[OUT_ROLLS];
	argv[argc++] = "--agency";
	argv[argc++] = (char *)out_path[OUT_AGENCY];
	argv[argc++] = "--rejects";
	argv[argc++] = "/dev/null";
	argv[argc++] = "--max-rejects";
	argv[argc++] = "1000000000";
	for (n = NNIGHTS - 1; n >= 0; n--)	/* any order will do */
		argv[argc++] = hist.dir[n];
	argv[argc] = NULL;
	FUZZ_ASSERT((fd = open(out_path[OUT_OUTCOMES], O_WRONLY | O_TRUNC)) >= 0 &&
	    dup2(fd, 1) == 1);
	close(fd);
	exit(stage_outcomes_main(argc, argv));
}

/* A header line, then lines of as many tab-separated fields, each ended. */
static void
check_shape(const char *path)
{
	size_t len, i, tabs = 0, width = 0;
	int header = 1;
	char *text = fuzz_slurp(path, &len);

	FUZZ_ASSERT(len > 0 && text[len - 1] == '\n');
	for (i = 0; i < len; i++) {
		if (text[i] == '\t')
			tabs++;
		else if (text[i] == '\n') {
			if (header)
				width = tabs;
			FUZZ_ASSERT(tabs == width);
			header = 0;
			tabs = 0;
		}
	}
	free(text);
}

/* A count: digits only. */
static long long
count_of(struct field f)
{
	size_t i;

	FUZZ_ASSERT(f.len > 0 && f.len < 19);
	for (i = 0; i < f.len; i++)
		FUZZ_ASSERT(f.s[i] >= '0' && f.s[i] <= '9');
	return strtoll(f.s, NULL, 10);
}

static void
check_outcomes(void)
{
	static const char *const names[] = { "entered", "recovered_30",
	    "recovered_60", "recovered_90", "still_in", "moved_on_unpaid" };
	struct fuzz_table t;
	long long v[6];
	size_t i;
	int k;

	fuzz_load_named(&t, out_path[OUT_OUTCOMES], 6, names);
	for (i = 0; i < t.n; i++) {
		FUZZ_ASSERT(!t.r[i].bad && t.r[i].count == t.width);
		for (k = 0; k < 6; k++)
			v[k] = count_of(t.r[i].f[k]);
		FUZZ_ASSERT(v[0] >= v[3] && v[3] >= v[2] && v[2] >= v[1]);
		FUZZ_ASSERT(v[4] <= v[0] && v[5] <= v[0]);
	}
	fuzz_unload(&t);
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
	char *before[NOUT], *after;
	size_t len[NOUT], n;
	unsigned pick;
	int night, file, k;

	if (hist.root[0] == '\0')
		make_history();
	pick = fuzz_take(&data, &size);
	file = pick % NFILES;
	night = pick / NFILES % NNIGHTS;
	history_put(&hist, night, file, (const char *)data, size);
	if (status_of_run() == EX_OK) {
		for (k = 0; k < NOUT; k++)
			check_shape(out_path[k]);
		check_outcomes();
		for (k = 0; k < NOUT; k++)
			before[k] = fuzz_slurp(out_path[k], &len[k]);
		FUZZ_ASSERT(status_of_run() == EX_OK);
		for (k = 0; k < NOUT; k++) {
			after = fuzz_slurp(out_path[k], &n);
			FUZZ_ASSERT(n == len[k] && memcmp(before[k], after, n) == 0);
			free(after);
			free(before[k]);
		}
	}
	history_put_fixed(&hist, night, file);
	return 0;
}
