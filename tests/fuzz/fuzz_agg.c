/*
 * fuzz_agg.c - libFuzzer harness for the aggregate report parser.
 *
 * The input is one XML document.  It is fed in three chunks (cut points
 * derived from the data) to the strict parser; after AGG_ERR_SYNTAX it is
 * parsed again with the recovery parser, as ingest.c does.  The callbacks
 * read every string of the report and of each record and check the
 * invariants of agg_parse.h (fuzz_common.h).
 *
 * Built by tests/fuzz/fuzz.mk: `make fuzz-build` (clang, libFuzzer) and
 * `make fuzz-replay` (gcc, ASan+UBSan, with tests/fuzz/replay.c).
 */
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_parse_both(data, size);
	return 0;
}
