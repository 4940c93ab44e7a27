/*
 * kindtool.c - the test driver of the report kinds (src/report/kind.h):
 * parses one file through the kind interface and prints the result as JSON,
 * or replays fuzz corpora.
 *
 *   kindtool auto FILE       sniff with every kind (e-mail facts from GMime,
 *                            through mime_walk), unwrap a TLS-RPT mail, parse
 *                            with the kind chosen, print
 *                            {"kind", "sniff", "result", "error", "model"}
 *   kindtool failure FILE    the failure kind, whatever the sniff says
 *   kindtool tlsrpt FILE     the TLS-RPT kind on a JSON document
 *   kindtool replay arf|tlsrpt DIR|FILE...
 *                            each file through the fuzz body (fuzz_body.h);
 *                            prints "N passed, 0 failed" (a failure aborts)
 *
 * Exit: 0 when the output was printed (whatever the parse result), 2 on
 * usage or I/O errors.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "fuzz_body.h"
#include "intake/mime.h"
#include "intake/unpack.h"
#include "report/arf.h"
#include "report/kind.h"
#include "report/tlsrpt.h"
#include "util/log.h"

static const dm_kind *const kinds[] = { &dm_kind_failure, &dm_kind_tlsrpt };

static unsigned char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, len = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap + 1);
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	buf[len] = '\0';
	*n = len;
	return buf;
}

static int
stop_cb(void *ctx, const mime_part *part, const unsigned char *data, size_t len)
{
	(void)ctx, (void)part, (void)data, (void)len;
	return 1;
}

static const char *
result_name(int rc)
{
	switch (rc) {
	case DM_KERR_OK: return "ok";
	case DM_KERR_NOT_REPORT: return "not-report";
	case DM_KERR_SYNTAX: return "syntax";
	case DM_KERR_LIMIT: return "limit";
	default: return "?";
	}
}

static int
run(const char *mode, const char *path)
{
	size_t n = 0, jl = 0;
	unsigned char *p = slurp(path, &n), *json = NULL;
	const dm_kind *k = NULL;
	dm_sniff_in in;
	mime_info info;
	int conf = 0, rc = -1, have_info = 0;
	char err[400] = "";
	void *model = NULL;
	json_t *out = json_object();
	char *s;

	if (p == NULL) {
		perror(path);
		return 2;
	}
	memset(&in, 0, sizeof(in));
	memset(&info, 0, sizeof(info));
	in.head = p;
	in.headlen = n < 512 ? n : 512;
	/* the pipeline's own format decision (magic bytes) */
	in.is_message = unpack_sniff(p, n) == FMT_EMAIL;
	if (in.is_message) {
		char e[200];

		if (mime_walk(p, n, 5, 64u << 20, stop_cb, NULL, &info, e, sizeof(e)) == 0) {
			have_info = 1;
			in.mail_type = info.content_type;
			in.report_type = info.report_type;
			in.subject = info.subject;
		}
	}
	if (strcmp(mode, "auto") == 0)
		k = dm_kind_best(kinds, sizeof(kinds) / sizeof(kinds[0]), &in, &conf);
	else if (strcmp(mode, "failure") == 0)
		k = &dm_kind_failure;
	else if (strcmp(mode, "tlsrpt") == 0)
		k = &dm_kind_tlsrpt;
	else {
		fprintf(stderr, "kindtool: unknown mode %s\n", mode);
		return 2;
	}
	if (k == NULL) {
		json_object_set_new(out, "kind", json_null());
		json_object_set_new(out, "result", json_string("unclaimed"));
		json_object_set_new(out, "error", json_string("no report kind claims this input"));
	} else {
		const unsigned char *doc = p;
		size_t dl = n;

		json_object_set_new(out, "kind", json_string(k->name));
		json_object_set_new(out, "sniff", json_integer(conf));
		/* A TLS-RPT mail: what the unpack layer will do in the pipeline */
		if (k == &dm_kind_tlsrpt && in.is_message) {
			if (tlsrpt_from_mail(p, n, 4u << 20, &json, &jl, err, sizeof(err)) == 0) {
				doc = json;
				dl = jl;
			} else
				doc = NULL;
		}
		if (doc != NULL)
			rc = k->parse(doc, dl, NULL, &model, err, sizeof(err));
		else
			rc = DM_KERR_NOT_REPORT;
		json_object_set_new(out, "result", json_string(result_name(rc)));
		json_object_set_new(out, "error", rc == DM_KERR_OK ? json_null() :
		    json_string(err));
		if (model != NULL) {
			char key[DM_KIND_KEYLEN];

			k->identity(model, key);
			json_object_set_new(out, "identity", json_string(key));
			json_object_set_new(out, "model", k->to_json(model));
			k->free_model(model);
		}
	}
	s = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (s == NULL) {
		fprintf(stderr, "kindtool: the model is not valid JSON\n");
		return 2;
	}
	printf("%s\n", s);
	free(s);
	json_decref(out);
	if (have_info)
		mime_info_free(&info);
	free(json);
	free(p);
	return 0;
}

static int
replay_file(const char *which, const char *path, int *count)
{
	size_t n;
	unsigned char *p = slurp(path, &n);

	if (p == NULL) {
		perror(path);
		return -1;
	}
	if (strcmp(which, "arf") == 0)
		kz_arf(p, n);
	else
		kz_tlsrpt(p, n);
	free(p);
	(*count)++;
	return 0;
}

static int
replay(const char *which, const char *path, int *count)
{
	struct stat sb;
	DIR *d;
	struct dirent *e;

	if (stat(path, &sb) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(sb.st_mode))
		return replay_file(which, path, count);
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char sub[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (replay(which, sub, count) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int
main(int argc, char **argv)
{
	log_init("kindtool", 0);
	mime_init();
	if (argc >= 4 && strcmp(argv[1], "replay") == 0 &&
	    (strcmp(argv[2], "arf") == 0 || strcmp(argv[2], "tlsrpt") == 0)) {
		int count = 0;

		for (int i = 3; i < argc; i++)
			if (replay(argv[2], argv[i], &count) != 0)
				return 2;
		printf("%d passed, 0 failed\n", count);
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: kindtool auto|failure|tlsrpt FILE\n"
		    "       kindtool replay arf|tlsrpt DIR|FILE...\n");
		return 2;
	}
	return run(argv[1], argv[2]);
}
