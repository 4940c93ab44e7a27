# tests/kinds/kinds.mk - the report kinds' test driver, data-driven cases and
# fuzz harnesses (src/report/kind.h, arf.c, tlsrpt.c).  Included by the
# Makefile, which provides B, CC, CFLAGS_ALL, CSTD, WARN, PKG_CFLAGS, PKG_LIBS
# and ASAN_FLAGS.
#
#   make kinds          $(B)/tests/kinds/kindtool (the driver, see kindtool.c)
#   make kinds-check    the driver under ASan/UBSan (build-asan/), then
#                       tests/kinds/run.py: every case of tests/kinds/cases/ and
#                       a replay of tests/kinds/corpus/{arf,tlsrpt}; prints
#                       "N passed, N failed"
#   make kinds-fuzz     clang + libFuzzer + ASan/UBSan harnesses
#                       build-fuzz/kinds/fuzz_arf and fuzz_tlsrpt; run them with
#                       sh tests/kinds/fuzz.sh SECONDS arf|tlsrpt
#
# The harnesses are linked against only the objects they need, compiled again
# with clang under build-fuzz/kinds/ (independent of tests/fuzz/fuzz.mk).

KINDS_HDRS := src/report/kind.h src/report/arf.h src/report/arf_extract.h src/report/tlsrpt.h \
              tests/kinds/fuzz_body.h
KINDS_ENV  := ASAN_OPTIONS=$${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
              UBSAN_OPTIONS=$${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

.PHONY: kinds kinds-check kinds-fuzz

$(B)/tests/kinds/kindtool: tests/kinds/kindtool.c $(KINDS_HDRS) $(B)/libdmarcscope.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Isrc -Itests/kinds -o $@ $< $(B)/libdmarcscope.a $(PKG_LIBS)

kinds: $(B)/tests/kinds/kindtool

kinds-check:
	$(MAKE) B=build-asan OPT="$(ASAN_FLAGS)" build-asan/tests/kinds/kindtool
	$(KINDS_ENV) python3 tests/kinds/run.py build-asan/tests/kinds/kindtool

KFUZZ_B    := build-fuzz/kinds
KFUZZ_SRC  := src/report/arf.c src/report/arf_extract.c src/report/tlsrpt.c src/intake/mime.c src/util/log.c \
              src/util/dbuf.c src/util/sha256.c src/util/ipaddr.c src/util/utf8fix.c
KFUZZ_OBJ  := $(KFUZZ_SRC:%.c=$(KFUZZ_B)/%.o)
KFUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# -Werror is dropped: a new clang warning must not stop the fuzzers.
KFUZZ_CFLAGS := $(CSTD) $(filter-out -Werror,$(WARN)) -O1 -g $(PKG_CFLAGS) $(KFUZZ_SAN)

$(KFUZZ_B)/src/%.o: src/%.c $(KINDS_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC-FUZZ $<"
	@clang $(KFUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(KFUZZ_B)/fuzz_%: tests/kinds/fuzz_%.c $(KINDS_HDRS) $(KFUZZ_OBJ)
	clang $(KFUZZ_CFLAGS) -fsanitize=fuzzer -Isrc -Itests/kinds -o $@ $< $(KFUZZ_OBJ) \
	    $(PKG_LIBS)

kinds-fuzz: $(KFUZZ_B)/fuzz_arf $(KFUZZ_B)/fuzz_tlsrpt
