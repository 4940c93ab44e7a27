# tests/fuzz/fuzz.mk - fuzz harnesses and corpus replay (included by the Makefile,
# which provides LIB_SRC, PKG_CFLAGS, PKG_LIBS, CSTD and WARN).
#
#   make fuzz-build    clang + libFuzzer + ASan/UBSan builds of the harnesses:
#                      build-fuzz/fuzz_NAME for NAME in FUZZ_NAMES (the library is
#                      compiled again with clang into build-fuzz/, never reusing
#                      gcc objects)
#   make fuzz-replay   gcc ASan/UBSan replay binaries (build-asan/fuzz_replay_*,
#                      linked against build-asan/libdmarcscope.a from `make asan`)
#                      run over tests/fuzz/corpus/; prints "N passed, 0 failed"
#   sh tests/fuzz/run.sh SECONDS [NAME]...   fuzz (see run.sh)
#
# Harnesses (tests/fuzz/fuzz_NAME.c, seeds in tests/fuzz/corpus/NAME/):
#   agg       the aggregate XML parser        unpack    unpack_mem, all formats
#   gzip      unpack's gzip path               zip       unpack's zip path (libzip)
#   mime      mime_walk (GMime)                utf8fix   the UTF-8 repair
#   pipeline  one message through ingest, analysis, statistics and the API JSON
#   dnsrec    the DNS check's record parsers (DMARC/DKIM tag lists, SPF, MTA-STS, DKIM keys)

FUZZ_CC      ?= clang
FUZZ_B       := build-fuzz
FUZZ_NAMES   := agg unpack gzip zip mime utf8fix pipeline dnsrec
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# -Werror is dropped: a new clang warning in src/ must not stop the fuzzers.
FUZZ_CFLAGS  := $(CSTD) $(filter-out -Werror,$(WARN)) -O1 -g $(PKG_CFLAGS) $(FUZZ_SAN)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_B)/%.o)
FUZZ_BIN     := $(FUZZ_NAMES:%=$(FUZZ_B)/fuzz_%)
FUZZ_HDRS    := tests/fuzz/fuzz_common.h tests/fuzz/fuzz_sink.h

REPLAY_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
REPLAY_BIN   := $(FUZZ_NAMES:%=build-asan/fuzz_replay_%)
REPLAY_ENV   := ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
                UBSAN_OPTIONS=$${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

.PHONY: fuzz-build fuzz-replay

$(FUZZ_B)/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC-FUZZ $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

# An archive, so that only the objects the harnesses need are linked (the
# store's embedded schema is not built here).
$(FUZZ_B)/libdmarcscope.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_B)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HDRS) $(FUZZ_B)/libdmarcscope.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Isrc -o $@ $< $(FUZZ_B)/libdmarcscope.a \
	    $(PKG_LIBS)

# The pipeline harness also needs the embedded schema and web assets (the
# Makefile's generators, into build-fuzz/gen/).
$(FUZZ_B)/gen/schema_sql.c: $(SQL_SRC) scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh $@ $(SQL_SRC)

$(FUZZ_B)/gen/schema_pg_sql.c: $(SQL_PG_SRC) scripts/embed.sh
	@mkdir -p $(dir $@)
	sh scripts/embed.sh -n schema_pg $@ $(SQL_PG_SRC)

$(FUZZ_B)/gen/web_assets.c: $(WEB_SRC) scripts/embed-web.py package-lock.json
	@mkdir -p $(dir $@)
	python3 scripts/embed-web.py $@

$(FUZZ_B)/gen/%.o: $(FUZZ_B)/gen/%.c
	$(FUZZ_CC) $(CSTD) -O1 -w -c $< -o $@

FUZZ_GEN_OBJ := $(FUZZ_B)/gen/schema_sql.o $(FUZZ_B)/gen/schema_pg_sql.o $(FUZZ_B)/gen/web_assets.o

$(FUZZ_B)/fuzz_pipeline: tests/fuzz/fuzz_pipeline.c $(FUZZ_HDRS) $(FUZZ_B)/libdmarcscope.a \
    $(FUZZ_GEN_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Isrc -o $@ $< $(FUZZ_B)/libdmarcscope.a \
	    $(FUZZ_GEN_OBJ) $(PKG_LIBS)

fuzz-build: $(FUZZ_BIN)

build-asan/fuzz_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_HDRS) \
    build-asan/libdmarcscope.a
	$(CC) $(CSTD) $(WARN) $(REPLAY_FLAGS) $(PKG_CFLAGS) -Isrc -o $@ tests/fuzz/fuzz_$*.c \
	    tests/fuzz/replay.c build-asan/libdmarcscope.a $(PKG_LIBS)

fuzz-replay:
	$(MAKE) asan
	$(MAKE) $(REPLAY_BIN)
	$(REPLAY_ENV) build-asan/fuzz_replay_agg tests/fuzz/corpus/agg
	$(REPLAY_ENV) build-asan/fuzz_replay_unpack tests/fuzz/corpus/unpack tests/fuzz/corpus/agg
	$(REPLAY_ENV) build-asan/fuzz_replay_gzip tests/fuzz/corpus/gzip
	$(REPLAY_ENV) build-asan/fuzz_replay_zip tests/fuzz/corpus/zip
	$(REPLAY_ENV) build-asan/fuzz_replay_mime tests/fuzz/corpus/mime
	$(REPLAY_ENV) build-asan/fuzz_replay_utf8fix tests/fuzz/corpus/utf8fix
	$(REPLAY_ENV) build-asan/fuzz_replay_pipeline tests/fuzz/corpus/pipeline
	$(REPLAY_ENV) build-asan/fuzz_replay_dnsrec tests/fuzz/corpus/dnsrec

-include $(FUZZ_LIB_OBJ:.o=.d)
