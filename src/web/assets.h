/*
 * assets.h - the table of front-end files embedded at build time by
 * scripts/embed-web.py (build/gen/web_assets.c).  Read-only, static data.
 *
 * Exports: web_asset, web_assets[], web_assets_count.
 */
#ifndef DS_WEB_ASSETS_H
#define DS_WEB_ASSETS_H

#include <stddef.h>

typedef struct web_asset {
	const char *path;		/* "/index.html", "/vendor/echarts.min.js" */
	const char *type;		/* Content-Type */
	const unsigned char *data;	/* identity bytes */
	size_t len;
	const unsigned char *gz;	/* gzip bytes or NULL */
	size_t gzlen;
	const char *etag;		/* quoted */
} web_asset;

extern const web_asset web_assets[];
extern const size_t web_assets_count;

#endif
