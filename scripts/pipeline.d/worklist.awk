# worklist.awk: tonight's work for each internal owner (SPEC 7).
#
#	awk -v contacts=CONTACTS.tsv -v dir=DIR -f money.awk -f worklist.awk \
#	    STAGED.tsv
#
# STAGED is stage-assign's output, sorted by customer_id; CONTACTS is
# dedupe-contacts' output, sorted by customer_id too: the two are merged
# as they stream, so memory holds one customer's contacts, never a table of
# all of them.  The rows go to one file per owner, DIR/1, DIR/2 ..., each in
# customer_id order, and DIR/owners lists `owner<TAB>file`: the worklist
# sorted by owner, customer_id and currency is these files in the order of
# their owners, without a sort of a million rows.  The rows, no header:
#	owner customer_id currency stage action notify notify_to open_balance
#	max_dpd contact_name email phone preferred_channel language
# one row per account whose outreach is allowed and whose action is not
# none, and one per notification (owner and notify are the notified role,
# action is "notify").  The contact is filled in only where outreach is
# allowed: the account manager of an account with the agency is told, not
# handed a phone number.  Fields are copied as escaped TSV text.

BEGIN {
	FS = OFS = "\t"
	if (contacts == "")
		contacts = "/dev/null"
	contact_state = 0	# 0 before the header, 1 reading, 2 at end
}

# The best contact of a customer: a usable personal email before a generic
# or missing one, fresh before stale, one with a phone before one without,
# then the most recently verified, then the first (lowest contact_id).
function contact_rank(flags,   r) {
	flags = "," flags ","
	r = (flags ~ /,(generic_email|no_email|invalid_email),/) ? 4 : 0
	r += (flags ~ /,stale,/) ? 2 : 0
	r += (flags ~ /,(no_phone|invalid_phone),/) ? 1 : 0
	return r
}

# next_contact(): reads the next contact row into c[]; contact_state 2 at EOF.
function next_contact(   line, rc, n) {
	if (contact_state == 2)
		return
	for (;;) {
		rc = (getline line < contacts)
		if (rc < 0) {
			printf "%s: cannot read\n", contacts > "/dev/stderr"
			money_failed = 1
			exit 70
		}
		if (rc == 0) {
			contact_state = 2
			return
		}
		if (line == "")
			continue
		n = split(line, c, "\t")
		if (contact_state == 0) {
			header_contacts(n)
			contact_state = 1
			continue
		}
		if ((c[cc["customer_id"]] "") < (last_contact_customer "")) {
			printf "%s: not sorted by customer_id at \"%s\"\n", \
			    contacts, c[cc["customer_id"]] > "/dev/stderr"
			money_failed = 1
			exit 70
		}
		last_contact_customer = c[cc["customer_id"]]
		return
	}
}

function header_contacts(n,   i, want, names, k) {
	for (i = 1; i <= n; i++)
		cc[c[i]] = i
	k = split("customer_id name email phone preferred_channel language " \
	    "verified_date flags", names, " ")
	for (i = 1; i <= k; i++)
		if (!(names[i] in cc)) {
			printf "%s: no column \"%s\"\n", contacts, \
			    names[i] > "/dev/stderr"
			money_failed = 1
			exit 70
		}
}

# best_contact(CUSTOMER): sets best_* to CUSTOMER's best contact, or empty.
function best_contact(customer,   rank, best_rank, best_verified) {
	best_name = best_email = best_phone = best_channel = best_language = ""
	if (contact_state == 0)
		next_contact()
	while (contact_state == 1 && (c[cc["customer_id"]] "") < (customer ""))
		next_contact()
	best_rank = 99
	while (contact_state == 1 && c[cc["customer_id"]] == customer) {
		rank = contact_rank(c[cc["flags"]])
		if (rank < best_rank || (rank == best_rank &&
		    (c[cc["verified_date"]] "") > (best_verified ""))) {
			best_rank = rank
			best_verified = c[cc["verified_date"]]
			best_name = c[cc["name"]]
			best_email = c[cc["email"]]
			best_phone = c[cc["phone"]]
			best_channel = c[cc["preferred_channel"]]
			best_language = c[cc["language"]]
		}
		next_contact()
	}
}

FNR == 1 {
	columns()
	need("customer_id currency stage owner action outreach notify " \
	    "notify_to open_balance max_dpd")
	next
}

$0 == "" { next }

{
	customer = $col["customer_id"]
	if ((customer "") < (last_customer "")) {
		printf "%s: not sorted by customer_id at \"%s\"\n", \
		    FILENAME, customer > "/dev/stderr"
		money_failed = 1
		exit 70
	}
	allowed = $col["outreach"] == "allowed"
	last_customer = customer
	if (allowed && contact_customer != customer) {
		best_contact(customer)
		contact_customer = customer
	}
	contact = allowed ? best_name OFS best_email OFS best_phone OFS \
	    best_channel OFS best_language : "\t\t\t\t"
	if (allowed && $col["action"] != "none" && $col["action"] != "")
		print $col["owner"], customer, $col["currency"], $col["stage"],
		    $col["action"], "", "", $col["open_balance"],
		    $col["max_dpd"], contact > owner_file($col["owner"])
	if ($col["notify"] == "")
		next
	n = split($col["notify"], roles, ",")
	for (i = 1; i <= n; i++)
		print roles[i], customer, $col["currency"], $col["stage"],
		    "notify", roles[i],
		    roles[i] == "account_manager" ? $col["notify_to"] : "",
		    $col["open_balance"], $col["max_dpd"], contact \
		    > owner_file(roles[i])
}

function owner_file(owner) {
	if (!(owner in file_of))
		file_of[owner] = dir "/" ++owners
	return file_of[owner]
}

END {
	if (money_failed)
		exit 70
	for (owner in file_of) {
		close(file_of[owner])
		print owner, file_of[owner] > (dir "/owners")
	}
	close(dir "/owners")
}
