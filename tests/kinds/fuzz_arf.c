/*
 * fuzz_arf.c - libFuzzer harness of the failure-report parser (arf.c)
 * through the kind interface; the body is kz_arf() in fuzz_body.h, which
 * kindtool replays in `make check`.
 */
#include "fuzz_body.h"
#include "intake/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	mime_init();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kz_arf(data, size);
	return 0;
}
