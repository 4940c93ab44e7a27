/*
 * fuzz_tlsrpt.c - libFuzzer harness of the TLS-RPT parser (tlsrpt.c)
 * through the kind interface: the bytes as a JSON document and as a
 * TLS-RPT mail.  The body is kz_tlsrpt() in fuzz_body.h, which kindtool
 * replays in `make check`.
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
	kz_tlsrpt(data, size);
	return 0;
}
