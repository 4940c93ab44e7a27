/*
 * fuzz_zip.c - libFuzzer harness for the zip path of unpack.c (unpack_zip
 * over libzip from memory: entry count and size limits, directories, corrupt
 * entries, containers inside entries).
 *
 * The first four bytes of the input are forced to the local-header magic
 * (PK 03 04) so that every mutation stays on this path; the seeds
 * (corpus/zip/) are plain .zip files.  Limits are small so that a run stays
 * fast: 256 KiB of output, 1 MiB per archive, 8 entries, depth 3.
 *
 * Checked (fuzz_sink.h): the sink protocol; the output never exceeds the
 * limit; every document comes out of an entry ("fuzz!entry...").  Mostly this
 * harness is for ASan/UBSan and leaks on libzip's error paths.
 */
#include "fuzz_sink.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unpack_limits lim;
	fz_csink s;
	uint8_t *copy;

	if (size < 4)
		return 0;
	copy = malloc(size);
	FZ_CHECK(copy != NULL);
	memcpy(copy, data, size);
	memcpy(copy, "PK\003\004", 4);
	FZ_CHECK(unpack_sniff(copy, size) == FMT_ZIP);

	unpack_limits_default(&lim);
	lim.max_output = (uint64_t)256 << 10;
	lim.max_message = (size_t)1 << 20;
	lim.max_entries = 8;
	lim.max_depth = 3;
	fzc_run(&lim, copy, size, "fuzz!", &s);
	free(copy);
	return 0;
}
