/*
 * metrics.h - GET /api/v1/metrics: Prometheus text exposition (metrics.c).
 */
#ifndef DS_METRICS_H
#define DS_METRICS_H

#include "web_priv.h"

void metrics_handle(wreq *r, wresp *out);

#endif
