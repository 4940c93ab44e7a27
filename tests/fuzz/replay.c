/*
 * replay.c - run a fuzz harness over saved inputs without libFuzzer.
 *
 *   fuzz_replay_X [-v] DIR_OR_FILE...
 *
 * Calls LLVMFuzzerTestOneInput once for every regular file (directories are
 * read one level deep, in name order) and prints "N passed, 0 failed".  A
 * crash, a leak or undefined behaviour aborts through ASan/UBSan; the file
 * being run is printed first when that happens.  Linked with one harness by
 * tests/fuzz/fuzz.mk (`make fuzz-replay`).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char current[4096];
static int verbose;

static void
on_death(void)
{
	fprintf(stderr, "replay: died while running %s\n", current);
}

/* abort() from a harness invariant: say which file, then die as before. */
static void
on_signal(int sig)
{
	static const char msg[] = "replay: died while running ";

	if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, "\n", 1) < 0) {
		/* nothing more to do */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* 0 run, -1 unreadable */
static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: %s: cannot size\n", path);
		fclose(f);
		return -1;
	}
	/* a buffer of exactly len bytes, so ASan sees any read past the input */
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL || (len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(current, sizeof(current), "%s", path);
	if (verbose)
		fprintf(stderr, "replay: %s (%ld bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
	unsigned long passed = 0, failed = 0;

	__sanitizer_set_death_callback(on_death);
	signal(SIGABRT, on_signal);
	for (int i = 1; i < argc; i++) {
		struct stat sb;

		if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
			continue;
		}
		if (stat(argv[i], &sb) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			failed++;
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			char **names = NULL;
			size_t n = 0, cap = 0;

			if (d == NULL) {
				fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
				failed++;
				continue;
			}
			while ((e = readdir(d)) != NULL) {
				char path[4096];
				struct stat fs;

				if (e->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name);
				if (stat(path, &fs) != 0 || !S_ISREG(fs.st_mode))
					continue;
				if (n == cap) {
					cap = cap ? 2 * cap : 64;
					names = realloc(names, cap * sizeof(*names));
					if (names == NULL)
						abort();
				}
				names[n++] = strdup(path);
			}
			closedir(d);
			qsort(names, n, sizeof(*names), cmp_names);
			for (size_t k = 0; k < n; k++) {
				if (run_file(names[k]) == 0)
					passed++;
				else
					failed++;
				free(names[k]);
			}
			free(names);
		} else if (run_file(argv[i]) == 0)
			passed++;
		else
			failed++;
	}
	if (passed + failed == 0) {
		fprintf(stderr, "replay: no input files\n");
		failed = 1;
	}
	printf("%lu passed, %lu failed\n", passed, failed);
	return failed > 0 ? 1 : 0;
}
