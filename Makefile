# dmarcscope - plain Makefile, pkg-config for every library.
#
#   make            build build/dmarcscope (optimised)
#   make run        install what is missing, build, ingest the demo data, print the summary
#   make demo       build and load the demo into ./dmarcscope.db without starting the portal
#   make check      every test: unit + data-driven cases under ASan/UBSan, fuzz corpus
#                   replay, conformance against ../shared/corpus when present
#   make bench      benchmarks; writes docs/PERFORMANCE.md
#   make tsan       the binary with ThreadSanitizer (build-tsan/; make check uses it)
#   make fuzz       run the libFuzzer harnesses (FUZZ_SECONDS each, default 60)
#   make conformance  ingest ../shared/corpus/real and compare with the expected totals
#   make deps       install missing Debian packages (needs root or sudo)
#   make install    the binary and the manual page under PREFIX (default /usr/local)
#
# run, check and bench install what is missing first and then build in a new
# make, so that pkg-config is asked only after the -dev packages are there.
# Any other build target asks it when the Makefile is read: a missing library
# stops the build with one line naming it (scripts/pkgcheck.sh).

PKGS     := expat libxml-2.0 zlib libzip gmime-3.0 sqlite3 jansson libzstd libcrypto libpsl \
            libcares libmaxminddb libcurl libmicrohttpd libargon2 libpq
CC       ?= cc
# Goals that need no library: they never ask pkg-config.
NOLIB_GOALS := deps clean run check bench fresh-machine
ifneq ($(filter-out $(NOLIB_GOALS),$(or $(MAKECMDGOALS),all)),)
PKG_MISSING := $(shell sh scripts/pkgcheck.sh $(PKGS) cmocka)
ifneq ($(PKG_MISSING),)
$(error $(PKG_MISSING))
endif
PKG_CFLAGS := $(patsubst -I%,-isystem %,$(shell pkg-config --cflags $(PKGS)))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS)) -lpthread -lm
CMOCKA_LIBS := $(shell pkg-config --libs cmocka)
endif
PREFIX   ?= /usr/local
WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral -Wvla
CSTD     := -std=c11 -D_GNU_SOURCE
OPT      ?= -O2
CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) -g $(PKG_CFLAGS) $(EXTRA_CFLAGS)

B        ?= build
LIB_SRC  := $(sort $(wildcard src/util/*.c src/report/*.c src/intake/*.c src/store/*.c \
              src/analyze/*.c src/enrich/*.c src/web/*.c src/auth/*.c src/cmd/*.c src/alert/*.c \
              src/dnscheck/*.c))
LIB_SRC  := $(filter-out src/cmd/main.c,$(LIB_SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o)
SQL_SRC  := $(sort $(wildcard src/store/sql/*.sql))
SQL_PG_SRC := $(sort $(wildcard src/store/sql_pg/*.sql))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all run check test unit cases asan tsan conformance bench fuzz fuzz-replay deps clean demo webtest soak \
        install fresh-machine

all: $(B)/dmarcscope

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# Migrations are embedded: each .sql becomes a C string (see src/store/schema.h).
$(B)/gen/schema_sql.c: $(SQL_SRC) scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh $@ $(SQL_SRC)

$(B)/gen/schema_sql.o: $(B)/gen/schema_sql.c
	$(CC) $(CSTD) $(OPT) -c $< -o $@

# The PostgreSQL migrations (src/store/sql_pg/, one per src/store/sql/ file).
$(B)/gen/schema_pg_sql.c: $(SQL_PG_SRC) scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh -n schema_pg $@ $(SQL_PG_SRC)

$(B)/gen/schema_pg_sql.o: $(B)/gen/schema_pg_sql.c
	$(CC) $(CSTD) $(OPT) -c $< -o $@

# The front end is embedded too (scripts/embed-web.py, issue 5).
WEB_SRC  := $(shell find web -type f 2>/dev/null)
$(B)/gen/web_assets.c: $(WEB_SRC) scripts/embed-web.py package-lock.json
	@mkdir -p $(dir $@)
	python3 scripts/embed-web.py $@

$(B)/gen/web_assets.o: $(B)/gen/web_assets.c
	$(CC) $(CSTD) $(OPT) -c $< -o $@

$(B)/libdmarcscope.a: $(LIB_OBJ) $(B)/gen/schema_sql.o $(B)/gen/schema_pg_sql.o $(B)/gen/web_assets.o
	rm -f $@
	ar rcs $@ $^

$(B)/dmarcscope: $(B)/src/cmd/main.o $(B)/libdmarcscope.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(B)/tests/%: tests/unit/%.c $(B)/libdmarcscope.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Isrc -o $@ $< $(B)/libdmarcscope.a $(PKG_LIBS) \
	    $(CMOCKA_LIBS)

unit: $(UNIT_BIN)

$(B)/bench/stats_bench: bench/stats_bench.c $(B)/libdmarcscope.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Isrc -o $@ $< $(B)/libdmarcscope.a $(PKG_LIBS)

-include $(LIB_OBJ:.o=.d) $(B)/src/cmd/main.d

# ---- sanitizer build: the same sources with ASan + UBSan, used by `make check`
ASAN_FLAGS := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan:
	$(MAKE) B=build-asan OPT="$(ASAN_FLAGS)" build-asan/dmarcscope unit

# ---- ThreadSanitizer build of the binary: the two-thread ingest, in `make check`
TSAN_FLAGS := -O1 -fsanitize=thread -fno-omit-frame-pointer
tsan:
	$(MAKE) B=build-tsan OPT="$(TSAN_FLAGS)" build-tsan/dmarcscope

deps:
	sh scripts/install-deps.sh

demo: all
	PORTAL=0 sh scripts/run-demo.sh

run:
	$(MAKE) deps
	$(MAKE) all
	sh scripts/run-demo.sh

check:
	$(MAKE) deps
	sh scripts/check.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(B)/dmarcscope $(DESTDIR)$(PREFIX)/bin/dmarcscope
	install -m 644 man/dmarcscope.1 $(DESTDIR)$(PREFIX)/share/man/man1/dmarcscope.1

# Debian 12 bootstrapped into a folder, a clean clone and ../shared copied in,
# `make run` until the portal answers, then `make check` (slow: docs/FRESH-MACHINE.md)
fresh-machine:
	sh scripts/fresh-machine.sh

conformance: all
	sh tests/conformance.sh build/dmarcscope

bench:
	$(MAKE) deps
	$(MAKE) all $(B)/bench/stats_bench
	sh bench/run.sh
	sh bench/stats.sh
	sh bench/enrich.sh > $(B)/enrich-bench.md && python3 bench/splice.py enrich-bench $(B)/enrich-bench.md
	sh bench/web.sh > $(B)/web-bench.md && python3 bench/splice.py web-bench $(B)/web-bench.md
	sh bench/intake_latency.sh build/dmarcscope

# the IMAP soak of issue 16 at full size (make check runs it with 200 reports)
soak: all
	sh tests/intake/soak.sh build/dmarcscope $${SOAK_SIZE:-2000}

webtest: all
	sh tests/web/run.sh build/dmarcscope

fuzz:
	sh tests/fuzz/run.sh $${FUZZ_SECONDS:-60}

clean:
	rm -rf build build-asan build-fuzz

# fuzz targets and corpus replay (tests/fuzz/fuzz.mk)
-include tests/fuzz/fuzz.mk
-include tests/kinds/kinds.mk
