# SPDX-License-Identifier: GPL-3.0-or-later
# dancu build.
#
#   make            build build/dancu (installs missing Debian packages first)
#   make run        build and run the main job on data-samples/
#   make check      build and run the Check test suite (module tests, then
#                   whole-program tests that run build/dancu)
#   make asan       the same suite under AddressSanitizer + UBSan (= make check SAN=1)
#   make fuzz       build the libFuzzer harnesses (clang) and run each briefly
#   make bench      benchmarks (bench/README.md)
#   make bench-quality  quality on the public benchmarks beside published figures
#   make golden-update  refresh the committed golden outputs after an intended change
#   make screenshot     docs/report.png from the mixed-1000 sample (headless Chromium)
#   make install        dancu, dancu(1) and its bash completion under $(DESTDIR)$(PREFIX)
#                       (PREFIX=/usr/local); make uninstall removes them
#
# Sources are found by wildcard: every engine/*/*.c and loaders/*.c goes
# into build/libdancu.a; engine/cli/*.c makes the program. Every
# tests/unit/check_*.c (module tests, linked with the library) and every
# tests/prog/check_*.c (whole-program tests, which run build/dancu) is one
# Check test program; tests/unit/dc_test.[ch] is linked into all of them.
# Includes are written relative to the -I roots below: "common/dc_common.h",
# "match/dc_match.h" (engine/), "dc_loader.h" (loaders/), "dc_test.h".

CC      ?= cc
SAN     ?= 0
V       ?= 0

# PKGS, BASE_CFLAGS and LDLIBS are passed to tests/fuzz/Makefile.fuzz.
PKGS     := libxxhash libzstd zlib libutf8proc libpq
# postgresql: the private server of the delivery tests (tests/pg/pgserver.sh)
DEB_PKGS := pkg-config libxxhash-dev libzstd-dev zlib1g-dev libutf8proc-dev check zstd libpq-dev postgresql

ifeq ($(SAN),1)
BUILD   := build-san
OPT     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDSAN   := -fsanitize=address,undefined
else
BUILD   ?= build
# NDEBUG turns off the assert()s of stated invariants (sorted candidate
# pairs, stage begin/end, level ranges): they are on in the SAN=1 build and
# in a debug build (make OPT='-O0 -g' BUILD=build-debug).
OPT     ?= -O2 -g -DNDEBUG
LDSAN   :=
endif

# Dependencies: install what pkg-config cannot find (once per build dir).
DEPS_STAMP := $(BUILD)/.deps-ok
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Iengine -Iloaders
CFLAGS  += $(BASE_CFLAGS) $(OPT) -pthread
LDLIBS  += -pthread -lm

LIB_SRC  := $(sort $(wildcard engine/*/*.c engine/*/*/*.c loaders/*.c))
LIB_SRC  := $(filter-out engine/cli/%,$(LIB_SRC))
CLI_SRC  := $(sort $(wildcard engine/cli/*.c))
REF_DATA := $(sort $(wildcard engine/ref/data/*))
TEST_SRC := $(sort $(wildcard tests/unit/check_*.c)) $(sort $(wildcard tests/prog/check_*.c))
TEST_HELPERS := $(filter-out tests/unit/check_%,$(wildcard tests/unit/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/ref_blobs.o
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(addprefix $(BUILD)/tests/,$(notdir $(TEST_SRC:.c=)))
HELPER_OBJ := $(TEST_HELPERS:%.c=$(BUILD)/obj/%.o)

ifeq ($(V),0)
Q := @
else
Q :=
endif

.SECONDARY:
.PHONY: all deps run check asan fuzz bench bench-quality clean golden-update tests browser screenshot install uninstall
.DEFAULT_GOAL := all

all: $(BUILD)/dancu $(BUILD)/dancu.1 $(BUILD)/dancu.bash

# The manual page and the bash completion are generated from the option
# table (engine/cli/options.c) by the program itself.
$(BUILD)/dancu.1: $(BUILD)/dancu
	$(Q)./$(BUILD)/dancu --man > $@.tmp && mv $@.tmp $@

$(BUILD)/dancu.bash: $(BUILD)/dancu
	$(Q)./$(BUILD)/dancu --completion bash > $@.tmp && mv $@.tmp $@

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(DESTDIR)$(PREFIX)/bin
MANDIR  := $(DESTDIR)$(PREFIX)/share/man/man1
COMPDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions

install: $(BUILD)/dancu $(BUILD)/dancu.1 $(BUILD)/dancu.bash
	install -d $(BINDIR) $(MANDIR) $(COMPDIR)
	install -m 0755 $(BUILD)/dancu $(BINDIR)/dancu
	install -m 0644 $(BUILD)/dancu.1 $(MANDIR)/dancu.1
	install -m 0644 $(BUILD)/dancu.bash $(COMPDIR)/dancu

uninstall:
	rm -f $(BINDIR)/dancu $(MANDIR)/dancu.1 $(COMPDIR)/dancu

deps: $(DEPS_STAMP)

$(DEPS_STAMP):
	@mkdir -p $(BUILD)
	@if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists $(PKGS) check || ! command -v zstd >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "Installing build dependencies: $(DEB_PKGS)"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(DEB_PKGS) >/dev/null; \
	fi
	@pkg-config --exists $(PKGS) check || { echo "missing dependencies: $(DEB_PKGS)" >&2; exit 1; }
	@touch $@

$(BUILD)/obj/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@[ "$(V)" != 0 ] || echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/ref_blobs.S: engine/ref/mkblobs.sh $(REF_DATA) $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)sh engine/ref/mkblobs.sh $@ $(REF_DATA)

$(BUILD)/obj/ref_blobs.o: $(BUILD)/obj/ref_blobs.S
	@[ "$(V)" != 0 ] || echo "  AS      ref data ($(words $(REF_DATA)) files)"
	$(Q)$(CC) -c $< -o $@

$(BUILD)/libdancu.a: $(LIB_OBJ)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/dancu: $(CLI_OBJ) $(BUILD)/libdancu.a
	@[ "$(V)" != 0 ] || echo "  LD      $@"
	$(Q)$(CC) $(OPT) $(LDSAN) -o $@ $(CLI_OBJ) $(BUILD)/libdancu.a $(PKG_LIBS) $(LDLIBS)

# A test program is compiled and linked in one step; -MMD -MP writes
# $(BUILD)/tests/check_X.d so that a header change rebuilds it.
define TEST_RULE
$(BUILD)/tests/%: tests/$(1)/%.c $(HELPER_OBJ) $(BUILD)/libdancu.a $(BUILD)/dancu
	@mkdir -p $$(dir $$@)
	@[ "$(V)" != 0 ] || echo "  TEST-CC $$<"
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -Itests/unit -MMD -MP -MF $$@.d \
	  -DDANCU_BIN='"$(abspath $(BUILD)/dancu)"' -DDANCU_SRCDIR='"$(abspath .)"' \
	  -o $$@ $$< $(HELPER_OBJ) $(BUILD)/libdancu.a $(LDSAN) $(CHECK_LIBS) $(PKG_LIBS) $(LDLIBS)
endef
$(eval $(call TEST_RULE,unit))
$(eval $(call TEST_RULE,prog))

tests: $(TEST_BIN)

# The browser tests (tests/prog/check_pages.c) open the HTML pages in
# headless Chromium: installed from Debian when missing.
BROWSER_PKGS := chromium
CHROMIUM ?= /usr/bin/chromium

browser:
	@[ -x "$(CHROMIUM)" ] || command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing $(BROWSER_PKGS) for the browser tests"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(BROWSER_PKGS) >/dev/null; }

# docs/report.png: the top of report.html of the mixed-1000 sample, as the
# README shows it (review the picture before committing it).
screenshot: $(BUILD)/dancu browser
	@rm -rf $(BUILD)/shot && mkdir -p $(BUILD)/shot
	./$(BUILD)/dancu run -q --threads 2 -o $(BUILD)/shot/run data-samples/mixed-1000/exports/*
	HOME=$(abspath $(BUILD)/shot) $(CHROMIUM) --headless --disable-gpu --no-sandbox --disable-dev-shm-usage --hide-scrollbars \
	  --user-data-dir=$(abspath $(BUILD)/shot/profile) --window-size=1120,1250 --force-device-scale-factor=0.75 \
	  --screenshot=$(abspath docs/report.png) file://$(abspath $(BUILD)/shot/run/report.html) 2>/dev/null

# Every test program runs even if one fails; the totals line at the end is
# the one CI reads.
check: all $(TEST_BIN) browser
	@rm -f $(BUILD)/tests/results.txt; fail=0; for t in $(TEST_BIN); do \
	  DC_TEST_RESULTS=$(BUILD)/tests/results.txt ./$$t || fail=1; \
	done; \
	sh tests/summarize.sh $(BUILD)/tests/results.txt || fail=1; \
	exit $$fail

asan:
	$(MAKE) check SAN=1

run: $(BUILD)/dancu
	@rm -rf $(BUILD)/sample-run
	./$(BUILD)/dancu run --threads 0 -o $(BUILD)/sample-run data-samples/mixed-1000/exports/*
	@echo "outputs in $(BUILD)/sample-run/"

golden-update: $(BUILD)/dancu
	sh tests/golden/update.sh $(BUILD)/dancu

# libFuzzer needs clang and its runtime (libclang-rt-dev): installed if missing.
fuzz: $(DEPS_STAMP)
	@printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' > $(BUILD)/fuzzprobe.c
	@clang -fsanitize=fuzzer $(BUILD)/fuzzprobe.c -o $(BUILD)/fuzzprobe 2>/dev/null || { \
	  echo "Installing clang and libclang-rt-dev for libFuzzer"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq clang libclang-rt-dev >/dev/null; }
	$(MAKE) -f tests/fuzz/Makefile.fuzz PKGS="$(PKGS)" BASE_CFLAGS="$(BASE_CFLAGS)" LDLIBS="$(LDLIBS)"

bench: $(BUILD)/dancu
	sh bench/run_all.sh $(BUILD)/dancu

bench-quality: $(BUILD)/dancu
	sh bench/quality/run.sh $(BUILD)/dancu

# `make clean` removes the default build directories; `make clean
# BUILD=dir` removes that directory only (so that cleaning a second build
# leaves the others, and a running one, alone).
ifeq ($(origin BUILD),file)
CLEAN_DIRS := build build-san build-fuzz
else
CLEAN_DIRS := $(BUILD)
endif
clean:
	rm -rf $(CLEAN_DIRS)

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(HELPER_OBJ:.o=.d) $(TEST_BIN:=.d)
