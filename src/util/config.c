/*
 * config.c - see config.h.  A thin layer over GKeyFile: values are copied
 * once into an array owned by the config, so callers never free them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>

#include "config.h"
#include "log.h"

#define MAX_BYTES	(1 << 20)
#define MAX_SECTIONS	256

struct ds_config {
	GKeyFile *kf;
	GPtrArray *owned;	/* every string handed out */
	GPtrArray *list;	/* the last list handed out (NULL-terminated) */
	char err[512];
};

ds_config *
config_load(const char *path, char *err, size_t errlen)
{
	ds_config *c;
	GError *ge = NULL;
	struct stat sb;
	gsize ng = 0;
	gchar **groups;

	if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size > MAX_BYTES) {
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", path, MAX_BYTES);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->kf = g_key_file_new();
	c->owned = g_ptr_array_new_with_free_func(g_free);
	if (!g_key_file_load_from_file(c->kf, path, G_KEY_FILE_NONE, &ge)) {
		snprintf(err, errlen, "%s: %s", path, ge->message);
		g_error_free(ge);
		config_free(c);
		return NULL;
	}
	groups = g_key_file_get_groups(c->kf, &ng);
	g_strfreev(groups);
	if (ng > MAX_SECTIONS) {
		snprintf(err, errlen, "%s: more than %d sections", path, MAX_SECTIONS);
		config_free(c);
		return NULL;
	}
	return c;
}

void
config_free(ds_config *c)
{
	if (c == NULL)
		return;
	g_key_file_free(c->kf);
	g_ptr_array_free(c->owned, TRUE);
	if (c->list != NULL)
		g_ptr_array_free(c->list, TRUE);
	free(c);
}

const char *
config_err(const ds_config *c)
{
	return c->err;
}

const char *
config_str(ds_config *c, const char *section, const char *key)
{
	gchar *v = g_key_file_get_value(c->kf, section, key, NULL);

	if (v == NULL)
		return NULL;
	g_strstrip(v);
	g_ptr_array_add(c->owned, v);
	return v;
}

int
config_num(ds_config *c, const char *section, const char *key, long lo, long hi, long *out)
{
	const char *v = config_str(c, section, key);
	char *end;
	long n;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (end == v || *end != '\0' || errno != 0 || n < lo || n > hi) {
		snprintf(c->err, sizeof(c->err), "[%s] %s = '%s': want a whole number %ld..%ld",
		    section, key, v, lo, hi);
		return -1;
	}
	*out = n;
	return 1;
}

static const char *const *
hand_out(ds_config *c, gchar **v, const char *prefix, size_t *n)
{
	size_t pl = prefix != NULL ? strlen(prefix) : 0;

	if (c->list != NULL)
		g_ptr_array_free(c->list, TRUE);
	c->list = g_ptr_array_new();
	for (gchar **p = v; p != NULL && *p != NULL; p++) {
		if (pl > 0 && strncmp(*p, prefix, pl) != 0) {
			g_free(*p);
			continue;
		}
		g_ptr_array_add(c->owned, *p);
		g_ptr_array_add(c->list, *p);
	}
	g_free(v);	/* the strings are now owned */
	*n = c->list->len;
	g_ptr_array_add(c->list, NULL);
	return (const char *const *)c->list->pdata;
}

const char *const *
config_sections(ds_config *c, const char *prefix, size_t *n)
{
	return hand_out(c, g_key_file_get_groups(c->kf, NULL), prefix, n);
}

const char *const *
config_keys(ds_config *c, const char *section, size_t *n)
{
	return hand_out(c, g_key_file_get_keys(c->kf, section, NULL, NULL), NULL, n);
}
