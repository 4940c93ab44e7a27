/*
 * metrics.h - GET /api/v1/metrics: Prometheus text exposition (metrics.c),
 * and the hook http.c calls around every request it answers (HTTP request
 * counts and durations by route pattern).
 */
#ifndef DS_METRICS_H
#define DS_METRICS_H

#include "web_priv.h"

/* One request's place in the HTTP metrics; kept in http.c's per-request
 * state.  Zeroed: not begun. */
typedef struct metrics_req {
	double t0;		/* monotonic seconds at begin */
	short route, method;
	int on;
} metrics_req;

void metrics_handle(wreq *r, wresp *out);
/* The whole request is in: its route (pattern) and the clock start. */
void metrics_http_begin(metrics_req *q, const char *method, const char *url);
/* The request ended: counted with the status queued on c (nothing when no
 * answer was queued). */
void metrics_http_end(metrics_req *q, struct MHD_Connection *c);

#endif
