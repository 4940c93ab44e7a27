/*
 * fuzz_gzip.c - libFuzzer harness for the gzip path of unpack.c (gz_feed,
 * gz_finish: multi-member streams, trailing bytes, truncation, the output
 * and ratio limits).
 *
 * The first two bytes of the input are forced to the gzip magic (1f 8b) so
 * that every mutation stays on this path; the seeds (corpus/gzip/) are plain
 * .gz files.  The output limit is small (256 KiB, ratio 1000 past 1 MiB is
 * never reached, so a second run with a 64 KiB limit and ratio 2 checks the
 * limits cut the stream instead of the bytes reaching the sink).
 *
 * Checked (fuzz_sink.h): the sink protocol; exactly one document, never a
 * refusal (gzip is always a document, its errors come with end()); the
 * output never exceeds the limit; the same input gives the same bytes with
 * both limits up to the smaller one, and fewer bytes only with an error.
 */
#include "fuzz_sink.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unpack_limits lim;
	fz_csink a, b;
	uint8_t *copy;

	if (size < 2)
		return 0;
	copy = malloc(size);
	FZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	copy[0] = 0x1f;
	copy[1] = 0x8b;
	FZ_CHECK(unpack_sniff(copy, size) == FMT_GZIP);

	unpack_limits_default(&lim);
	lim.max_output = (uint64_t)256 << 10;
	fzc_run(&lim, copy, size, "fuzz", &a);
	FZ_CHECK(a.docs == 1 && a.refused == 0);

	lim.max_output = (uint64_t)64 << 10;
	fzc_run(&lim, copy, size, "fuzz", &b);
	FZ_CHECK(b.docs == 1 && b.refused == 0);
	FZ_CHECK(b.out <= a.out);
	if (a.out <= (uint64_t)64 << 10)
		FZ_CHECK(b.out == a.out && b.sum == a.sum && b.errors == a.errors);
	else
		FZ_CHECK(b.errors == 1);
	free(copy);
	return 0;
}
