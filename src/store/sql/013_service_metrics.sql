-- 013_service_metrics.sql: counters the service's processes keep for
-- /metrics (issue 16).  With `serve --config` the intake, alert and web
-- workers are separate processes and the web worker serves /metrics, so what
-- the others count lives here: the ingest latency histogram (one row per
-- bucket counting the observations in that bucket alone, so a message
-- writes one bucket row; metrics.c adds them up in le order; plus _sum and
-- _count), IMAP poll results per mailbox, the enrichment counters.  One row per
-- sample: the sample's name and up to two labels ('' when unused).  Counters
-- only grow (a purge leaves them alone); gauges (a last success time) are set.
CREATE TABLE service_metrics (
    name        TEXT NOT NULL,
    k1          TEXT NOT NULL DEFAULT '',
    v1          TEXT NOT NULL DEFAULT '',
    k2          TEXT NOT NULL DEFAULT '',
    v2          TEXT NOT NULL DEFAULT '',
    value       REAL NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (name, k1, v1, k2, v2)
) WITHOUT ROWID;
