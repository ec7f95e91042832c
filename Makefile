# The collections hand-off pipeline.  `make` builds the filters into bin/,
# `make test` runs every test (then again under ASan and UBSan),
# `make bench` measures speed beside awk and Miller.

CC	?= cc
CFLAGS	?= -O2 -g
STD	 = -std=c11 -pthread -Wall -Wextra -Werror -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
CPPFLAGS += -Ilib
LDLIBS	 = -lcsv -lpcre2-8 -lcrypto
PREFIX	?= /usr/local
BUILD	?= build
BIN	?= bin

# every filters/NAME.c is a filter
FILTERS	 = $(sort $(basename $(notdir $(wildcard filters/*.c))))
LIB_SRC	 = $(wildcard lib/*.c)
LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_A	 = $(BUILD)/libcollect.a
PROGS	 = $(FILTERS:%=$(BIN)/%)
GENERATORS = $(sort $(basename $(notdir $(wildcard scripts/gen-*.c))))
TOOLS	 = $(BIN)/libtable $(GENERATORS:%=$(BIN)/%)
# tests/fuzz/fuzz_NAME.c: a libFuzzer harness, also built with a plain
# main() (tests/fuzz/replay.c) as BIN/fuzz/NAME for make test to replay
# testdata/fuzz/NAME.  memo and redact wait for lib/memo.c, lib/redact.c.
FUZZERS	 = $(filter-out $(if $(wildcard lib/memo.c),,memo) $(if $(wildcard lib/redact.c),,redact),\
	    $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))))
TOOLS	+= $(FUZZERS:%=$(BIN)/fuzz/%)
# tests/pngcheck: the non-blank check of night-report's screenshots.
TOOLS	+= $(BIN)/pngcheck
# The failure-injection shim (tests/t-failinject.sh); not under sanitizers,
# whose runtime would have to come first in LD_PRELOAD.
ifeq ($(findstring sanitize,$(CC)),)
TOOLS	+= $(BIN)/failinject.so
endif

all: $(PROGS) $(TOOLS)

$(BUILD)/%.o: %.c $(wildcard lib/*.h) $(wildcard filters/*/*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

# A filter is filters/NAME.c plus, when it outgrows one file, filters/NAME/*.c.
.SECONDEXPANSION:
$(BIN)/%: $(BUILD)/filters/%.o $$(addprefix $(BUILD)/,$$(subst .c,.o,$$(wildcard filters/$$*/*.c))) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

DC_OBJ	 = $(patsubst %.c,$(BUILD)/%.o,filters/dedupe-contacts.c $(wildcard filters/dedupe-contacts/*.c))
$(DC_OBJ): filters/dedupe-contacts/dedupe.h

SA_OBJ	 = $(patsubst %.c,$(BUILD)/%.o,filters/stage-assign.c $(wildcard filters/stage-assign/*.c))
$(SA_OBJ): filters/stage-assign/stage-assign.h
# rules/default.rules is built in (lib/rulesfile.c), as a C string literal.
$(BUILD)/lib/rulesfile.o: $(BUILD)/default-rules.inc
$(BUILD)/lib/rulesfile.o: CPPFLAGS += -I$(BUILD)
$(BUILD)/default-rules.inc: rules/default.rules
	@mkdir -p $(@D)
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@

$(BIN)/libtable: $(BUILD)/tests/libtable.o $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/table_*.c)) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Test-data generators: scripts/gen-NAME.c is bin/gen-NAME.
$(BIN)/gen-%: $(BUILD)/scripts/gen-%.o $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

FUZZ_OBJ = $(BUILD)/tests/fuzz/file.o $(LIB_A)
$(BIN)/fuzz/%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay.o $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB_A) $(LDLIBS)
$(BUILD)/tests/fuzz/fuzz_aging.o: filters/aging-normalize.c
$(BUILD)/tests/fuzz/fuzz_dedupe.o: filters/dedupe-contacts.c filters/dedupe-contacts/dedupe.h
$(BIN)/fuzz/dedupe $(BIN)/fuzzer/dedupe: $(filter-out $(BUILD)/filters/dedupe-contacts.o,$(DC_OBJ))
$(BUILD)/tests/fuzz/fuzz_stage.o: filters/stage-assign.c
$(BIN)/fuzz/stage $(BIN)/fuzzer/stage: $(filter-out $(BUILD)/filters/stage-assign.o,$(SA_OBJ))
$(BUILD)/tests/fuzz/fuzz_stage_readers.o: filters/stage-assign.c
$(BIN)/fuzz/stage_readers $(BIN)/fuzzer/stage_readers: $(filter-out $(BUILD)/filters/stage-assign.o,$(SA_OBJ)) $(BUILD)/tests/fuzz/records.o
$(BUILD)/tests/fuzz/fuzz_dedupe_spill.o: filters/dedupe-contacts.c filters/dedupe-contacts/dedupe.h
$(BIN)/fuzz/dedupe_spill $(BIN)/fuzzer/dedupe_spill: $(filter-out $(BUILD)/filters/dedupe-contacts.o,$(DC_OBJ)) $(BUILD)/tests/fuzz/records.o
# Harnesses that run a filter's main in a child (tests/fuzz/child.c).
FUZZ_WRAP = -Wl,--wrap=exit,--wrap=err,--wrap=errx,--wrap=atexit
FUZZ_CHILD = reconcile agency outcomes report
$(FUZZ_CHILD:%=$(BIN)/fuzz/%) $(FUZZ_CHILD:%=$(BIN)/fuzzer/%): $(BUILD)/tests/fuzz/child.o $(BUILD)/tests/fuzz/records.o
$(FUZZ_CHILD:%=$(BIN)/fuzz/%) $(FUZZ_CHILD:%=$(BIN)/fuzzer/%): LDFLAGS += $(FUZZ_WRAP)
$(FUZZ_CHILD:%=$(BUILD)/tests/fuzz/fuzz_%.o): tests/fuzz/child.h tests/fuzz/records.h
$(BUILD)/tests/fuzz/fuzz_stage_readers.o $(BUILD)/tests/fuzz/fuzz_dedupe_spill.o $(BUILD)/tests/fuzz/records.o: tests/fuzz/records.h
RP_OBJ	 = $(patsubst %.c,$(BUILD)/%.o,$(wildcard filters/reconcile-payments/*.c))
$(BUILD)/tests/fuzz/fuzz_reconcile.o: filters/reconcile-payments.c filters/reconcile-payments/reconcile.h
$(BIN)/fuzz/reconcile $(BIN)/fuzzer/reconcile: $(RP_OBJ)
AP_OBJ	 = $(patsubst %.c,$(BUILD)/%.o,$(wildcard filters/agency-pack/*.c))
$(BUILD)/tests/fuzz/fuzz_agency.o: filters/agency-pack.c filters/agency-pack/agency-pack.h
$(BIN)/fuzz/agency $(BIN)/fuzzer/agency: $(AP_OBJ)
SO_OBJ	 = $(patsubst %.c,$(BUILD)/%.o,$(wildcard filters/stage-outcomes/*.c))
$(BUILD)/tests/fuzz/fuzz_outcomes.o: filters/stage-outcomes.c filters/stage-outcomes/outcomes.h
$(BIN)/fuzz/outcomes $(BIN)/fuzzer/outcomes: $(SO_OBJ)
NR_OBJ	 = $(patsubst %.c,$(BUILD)/%.o,$(wildcard filters/night-report/*.c))
$(BUILD)/tests/fuzz/fuzz_report.o: filters/night-report.c filters/night-report/night-report.h
$(BIN)/fuzz/report $(BIN)/fuzzer/report: $(NR_OBJ)
# Their scratch history of night directories (tests/fuzz/history.c).
$(BIN)/fuzz/outcomes $(BIN)/fuzzer/outcomes $(BIN)/fuzz/report $(BIN)/fuzzer/report: $(BUILD)/tests/fuzz/history.o
$(BUILD)/tests/fuzz/fuzz_outcomes.o $(BUILD)/tests/fuzz/fuzz_report.o $(BUILD)/tests/fuzz/history.o: tests/fuzz/history.h
$(BUILD)/tests/fuzz/%.o: tests/fuzz/fuzz.h

$(BIN)/pngcheck: $(BUILD)/tests/pngcheck.o
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lz

$(BIN)/failinject.so: tests/failinject.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

# make fuzz: each harness under libFuzzer (clang, ASan, UBSan) for
# FUZZ_SECONDS, niced; new inputs go to build/fuzz/corpus, crashes to
# build/fuzz/crashes (copy them into testdata/fuzz/NAME to keep them).
FUZZ_SECONDS ?= 60
fuzz:
	$(MAKE) --no-print-directory BUILD=build/fuzz BIN=build/fuzz/bin \
	    CC='clang -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer' \
	    CFLAGS='-O1 -g' fuzzers
	tests/fuzz/run build/fuzz/bin $(FUZZ_SECONDS) $(FUZZERS)

fuzzers: $(FUZZERS:%=$(BIN)/fuzzer/%)
$(BIN)/fuzzer/%: $(BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(CC) -fsanitize=fuzzer $(STD) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB_A) $(LDLIBS)

# The golden suite with every program run under valgrind.
valgrind: all
	RUN_WRAPPER='valgrind -q --leak-check=full --error-exitcode=99' \
	    tests/run $(BIN)

# The suite runs twice: as built, then built again with ASan and UBSan
# into build/san, where any sanitizer report fails the run.
test: all
	tests/run $(BIN)
	$(MAKE) --no-print-directory BUILD=build/san BIN=build/san/bin \
	    CC='$(CC) -fsanitize=address,undefined -fno-omit-frame-pointer' \
	    CFLAGS='-O1 -g' all
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=99 \
	    tests/run build/san/bin

bench: all
	scripts/bench

demo: all
	./pipeline.sh --demo

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(FILTERS:%=man/%.1) $(DESTDIR)$(PREFIX)/share/man/man1

clean:
	rm -rf $(BUILD) $(BIN)

.PHONY: all test bench demo install clean fuzz fuzzers valgrind

# Keep objects that pattern rules chain through: no "rm build/..." after a
# build, and the next build reuses them.
.SECONDARY:
