/*
 * config.h - the configuration file (/etc/dmarcscope/dmarcscope.conf or
 * --config): "[section]" headers and "key = value" lines, '#' comments,
 * read with GLib's GKeyFile (GLib comes with GMime).  docs/OPERATIONS.md
 * lists every section and key.  Caps: the file is at most 1 MiB, 256
 * sections.
 *
 * Exports:
 *   config_load(path, err, len)   NULL with err set (missing, unreadable,
 *                                 too big, a line that is not key = value)
 *   config_free(c)
 *   config_str(c, section, key)   the value (trimmed; owned by c) or NULL
 *   config_num(c, section, key, lo, hi, &out)  0 absent (out unchanged),
 *                                 1 set, -1 not a whole number in lo..hi
 *                                 (err in config_err)
 *   config_sections(c, prefix, &n) the section names starting with prefix
 *                                 (owned by c), in file order
 *   config_keys(c, section, &n)   the keys of a section (owned by c)
 *   config_err(c)                 the last error text
 */
#ifndef DS_CONFIG_H
#define DS_CONFIG_H

#include <stddef.h>

typedef struct ds_config ds_config;

#define CONFIG_DEFAULT_PATH "/etc/dmarcscope/dmarcscope.conf"

ds_config *config_load(const char *path, char *err, size_t errlen);
void config_free(ds_config *c);
const char *config_str(ds_config *c, const char *section, const char *key);
int config_num(ds_config *c, const char *section, const char *key, long lo, long hi, long *out);
const char *const *config_sections(ds_config *c, const char *prefix, size_t *n);
const char *const *config_keys(ds_config *c, const char *section, size_t *n);
const char *config_err(const ds_config *c);

#endif
