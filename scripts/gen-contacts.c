/*
 * gen-contacts: deterministic noisy contacts with known persons, for
 * dedupe-contacts' accuracy test and benchmark.
 *
 *	gen-contacts [--seed N] [--customers N] [--contacts N]
 *
 * Writes the contacts TSV of SPEC 5 plus a person_id column, the truth.
 * Each customer is a company with a domain, an address, a switchboard and
 * role mailboxes; each person has a name, a personal email (sometimes an
 * old one too), a mobile and often a switchboard extension.  Each record
 * of a person is one system's view: the name in another spelling or
 * missing, the email personal, old, generic, mistyped or missing, the
 * phone mobile, switchboard, impossible or missing.  Common names repeat
 * across customers, and sometimes within one (John and Jane Smith).
 */
#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "date.h"

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static unsigned
pick(unsigned n)
{
	return rng() % n;
}

/* 1 with probability percent/100. */
static int
chance(unsigned percent)
{
	return pick(100) < percent;
}

static const char *const firsts[] = {
	"John", "Jane", "Mary", "James", "Robert", "Patricia", "Michael",
	"Linda", "William", "Elizabeth", "David", "Barbara", "Richard", "Susan",
	"Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel",
	"Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Margaret",
	"Paul", "Sandra", "Steven", "Ashley", "Andrew", "Emily", "Kevin",
	"Donna", "Brian", "Michelle", "George", "Carol", "José", "Zoë", "Renée",
	"Jürgen", "François", "Siobhan", "Priya", "Wei", "Olga", "Ahmed",
};
static const char *const lasts[] = {
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller",
	"Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez",
	"Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
	"Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
	"Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "O'Brien",
	"Müller", "Núñez", "Søren", "Kowalski", "Patel", "Chen", "Ivanova",
	"Dubois", "Rossi",
};
#define NFIRSTS (sizeof(firsts) / sizeof(firsts[0]))
#define NLASTS (sizeof(lasts) / sizeof(lasts[0]))

static const char *const words[] = {
	"acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark",
	"wayne", "wonka", "tyrell", "cyberdyne", "soylent", "gringotts",
	"dunder", "pied", "aperture", "monarch", "oscorp", "nakatomi", "zorg",
};
static const char *const streets[] = {
	"Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill",
	"Park", "Pine",
};
static const char *const roles_generic[] = {
	"billing", "ap", "info", "accounts", "office", "accounts.payable",
};
static const char *const titles[] = { "CFO", "Controller", "AP Clerk",
	"Owner", "Office Manager", "" };
static const char *const sources[] = { "crm", "billing", "support" };
static const char *const channels[] = { "email", "phone", "sms", "" };

struct person {
	const char	*first, *last;
	char		 email[160], old_email[160];
	char		 mobile[16];	/* 10 NANP digits, or UK 10 digits */
	unsigned	 ext;		/* switchboard extension, 0 if none */
	const char	*title;
	long		 id;
};

struct customer {
	char		 id[24];
	char		 domain[48];
	char		 board[16];	/* switchboard, 10 digits */
	unsigned	 number;	/* street number */
	const char	*street;
	int		 uk;		/* numbers written +44 */
	const char	*language;
};

/* A possible NANP number: NXX-NXX-XXXX, no N11, no N9X area codes. */
static void
nanp_number(char *buf)
{
	unsigned npa, nxx;

	do
		npa = 200 + pick(800);
	while (npa % 100 == 11 || (npa / 10) % 10 == 9);
	do
		nxx = 200 + pick(800);
	while (nxx % 100 == 11);
	snprintf(buf, 16, "%03u%03u%04u", npa, nxx, pick(10000));
}

static void
uk_mobile(char *buf)
{
	snprintf(buf, 16, "7%03u%06u", 100 + pick(900), pick(1000000));
}

/* A phone as some system wrote it. */
static void
write_phone(const char *d, int uk, unsigned ext)
{
	if (uk)
		switch (pick(3)) {
		case 0: printf("+44 %.4s %s", d, d + 4); break;
		case 1: printf("0044 %.4s %.3s %s", d, d + 4, d + 7); break;
		default: printf("+44 (0)%.4s %s", d, d + 4);
		}
	else
		switch (pick(5)) {
		case 0: printf("(%.3s) %.3s-%s", d, d + 3, d + 6); break;
		case 1: printf("%.3s.%.3s.%s", d, d + 3, d + 6); break;
		case 2: printf("+1 %.3s %.3s %s", d, d + 3, d + 6); break;
		case 3: printf("1-%.3s-%.3s-%s", d, d + 3, d + 6); break;
		default: printf("%s", d);
		}
	if (ext)
		switch (pick(3)) {
		case 0: printf(" x%u", ext); break;
		case 1: printf(" ext. %u", ext); break;
		default: printf(" #%u", ext);
		}
}

static void
lower(char *dst, const char *s, size_t size)
{
	size_t n = 0;

	for (; *s && n + 1 < size; s++)
		if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
			dst[n++] = *s | 0x20;
		else if ((unsigned char)*s >= 0x80 && (unsigned char)*s < 0xc0)
			dst[n++] = 'x';	/* an accent: any ASCII letter will do */
	dst[n] = '\0';
}

static void
make_person(struct person *p, const struct customer *c, long id)
{
	char f[32], l[32];

	p->id = id;
	lower(f, p->first, sizeof(f));
	lower(l, p->last, sizeof(l));
	switch (pick(4)) {
	case 0: snprintf(p->email, sizeof(p->email), "%s.%s@%s", f, l, c->domain); break;
	case 1: snprintf(p->email, sizeof(p->email), "%c%s@%s", f[0], l, c->domain); break;
	case 2: snprintf(p->email, sizeof(p->email), "%s@%s", f, c->domain); break;
	default: snprintf(p->email, sizeof(p->email), "%s.%s%ld@mail.example", f, l, id);
	}
	p->old_email[0] = '\0';
	if (chance(20))
		snprintf(p->old_email, sizeof(p->old_email), "%s%s%u@oldmail.example",
		    f, l, pick(100));
	if (c->uk)
		uk_mobile(p->mobile);
	else
		nanp_number(p->mobile);
	p->ext = chance(50) ? 100 + pick(900) : 0;
	p->title = titles[pick(sizeof(titles) / sizeof(titles[0]))];
}

/* Spellings of a name: r below 76 folds to the plain name, 94 up is none. */
static void
write_name(const struct person *p, unsigned r)
{
	if (r < 45)
		printf("%s %s", p->first, p->last);
	else if (r < 60)
		printf("%s, %s", p->last, p->first);
	else if (r < 68)
		printf("%s %s %s", chance(50) ? "Mr." : "Dr", p->first, p->last);
	else if (r < 76)
		printf(" %s  %s ", p->first, p->last);
	else if (r < 82) {
		for (const char *s = p->first; *s; s++)
			putchar(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
		printf(" ");
		for (const char *s = p->last; *s; s++)
			putchar(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
	} else if (r < 88)
		printf("%c. %s", p->first[0], p->last);
	else if (r < 91)
		printf("%s %s Jr.", p->first, p->last);
	/* else: no name */
}

/* Below 72 the current personal address, in some spelling. */
static void
write_email(const struct person *p, const struct customer *c, unsigned r)
{
	if (r < 72) {
		if (chance(20))
			printf("%s <%s>", p->first, p->email);
		else if (chance(20)) {
			for (const char *s = p->email; *s; s++)
				putchar(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
		} else
			printf(chance(10) ? " %s " : "%s", p->email);
	} else if (r < 80 && p->old_email[0])
		printf("%s", p->old_email);
	else if (r < 90)
		printf("%s@%s", roles_generic[pick(6)], c->domain);
	else if (r < 93)
		printf("%.*s", (int)strcspn(p->email, "@"), p->email);	/* no domain */
	/* else: none */
}

/* Below 60 the mobile; then the switchboard, or junk. */
static void
write_phone_field(const struct person *p, const struct customer *c, unsigned r)
{
	if (r < 60)
		write_phone(p->mobile, c->uk, 0);
	else if (r < 78 && p->ext)
		write_phone(c->board, 0, p->ext);
	else if (r < 86)
		write_phone(c->board, 0, 0);
	else if (r < 89)
		printf("%.3s-%.4s", p->mobile + 3, p->mobile + 6);	/* no area code */
	/* else: none */
}

/* Below 75 the company's address, in some spelling. */
static void
write_address(const struct customer *c, unsigned r)
{
	if (r < 25)
		printf("%u %s Street", c->number, c->street);
	else if (r < 50)
		printf("%u %s St.", c->number, c->street);
	else if (r < 75)
		printf("%u %s st, Suite 100", c->number, c->street);
}

static void
write_date(int32_t day)
{
	char buf[DATE_TEXT_MAX];

	date_format(buf, day);
	fputs(buf, stdout);
}

/*
 * One system's record of a person.  Systems copy the address book from
 * one another, so most records carry the current email or the mobile;
 * 3 in 100 are left with whatever the dice gave, which may be nothing.
 */
static void
write_record(const struct person *p, const struct customer *c, long id)
{
	int32_t base = date_from_ymd(2022, 1, 1), verified = -1;
	unsigned name = pick(100), email = pick(100), phone = pick(100);
	unsigned address = pick(100);

	if (email >= 72 && phone >= 60 && !chance(3))
		email = pick(72);
	printf("K%08ld\t%s\t%s\t", id, c->id, sources[pick(3)]);
	write_name(p, name);
	putchar('\t');
	write_email(p, c, email);
	putchar('\t');
	write_phone_field(p, c, phone);
	putchar('\t');
	write_address(c, address);
	printf("\t%s\t%s\t%s\t", chance(70) ? p->title : "", c->language,
	    channels[pick(4)]);
	if (chance(70)) {
		verified = base + pick(4 * 365);
		write_date(verified);
	}
	putchar('\t');
	if (chance(85))
		write_date((verified >= 0 ? verified : base) + pick(200));
	printf("\tP%08ld\n", p->id);
}

static void
make_customer(struct customer *c, long n)
{
	snprintf(c->id, sizeof(c->id), "C%06ld", n);	/* as gen-testdata and gen-payments */
	snprintf(c->domain, sizeof(c->domain), "%s%ld.example",
	    words[pick(sizeof(words) / sizeof(words[0]))], n);
	nanp_number(c->board);
	c->number = 1 + pick(9999);
	c->street = streets[pick(sizeof(streets) / sizeof(streets[0]))];
	c->uk = chance(10);
	c->language = c->uk ? "en" : chance(10) ? "es" : "en";
}

/* Names not yet used at this customer, save for the first-name clash. */
static void
name_person(struct person *ps, int i)
{
	int j, again;

	do {
		ps[i].first = firsts[pick(NFIRSTS)];
		ps[i].last = lasts[pick(NLASTS)];
		for (j = 0, again = 0; j < i; j++)
			again |= ps[j].first == ps[i].first &&
			    ps[j].last == ps[i].last;
	} while (again);
}

static void
generate(long customers, long contacts)
{
	struct person ps[16];
	struct customer c;
	long id = 0, person = 0, k, n, left;
	int i, npersons;

	printf("contact_id\tcustomer_id\tsource\tname\temail\tphone\taddress\t"
	    "role\tlanguage\tpreferred_channel\tverified_date\tupdated_date\t"
	    "person_id\n");
	for (k = 0; k < customers; k++) {
		left = contacts - id;
		n = left / (customers - k);
		n = n + (long)pick(3) - 1 > 0 ? n + (long)pick(3) - 1 : 1;
		if (k == customers - 1 || n > left)
			n = left;
		if (n <= 0)
			break;
		make_customer(&c, k + 1);
		npersons = 1 + (int)pick((unsigned)(n + 1) / 2 < 16 ?
		    (unsigned)(n + 1) / 2 : 16);
		for (i = 0; i < npersons; i++) {
			name_person(ps, i);
			make_person(&ps[i], &c, ++person);
		}
		for (i = 0; i < n; i++)
			write_record(&ps[i < npersons ? i : (int)pick(npersons)],
			    &c, ++id);
	}
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: gen-contacts [--seed N] [--customers N] "
	    "[--contacts N]\n");
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "customers", required_argument, NULL, 'u' },
		{ "contacts", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	long long seed = 1, customers = 1000, contacts = 4000;
	const char *errstr = NULL;
	int ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 's': seed = cli_number(optarg, 0, INT64_MAX, &errstr); break;
		case 'u': customers = cli_number(optarg, 1, 100000000, &errstr); break;
		case 'c': contacts = cli_number(optarg, 1, 1000000000, &errstr); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EX_USAGE;
		}
		if (errstr)
			errx(EX_USAGE, "%s: %s", optarg, errstr);
	}
	rng_state = (uint64_t)seed;
	generate(customers, contacts);
	if (fflush(stdout) == EOF || ferror(stdout))
		err(EX_IOERR, "stdout");
	return 0;
}
