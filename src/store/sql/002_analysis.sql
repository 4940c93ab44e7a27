-- 002_analysis.sql: alignment recomputed per record, classification, My
-- Senders, the host table the enrichment fills, and the rollups the
-- dashboards read.  Category codes are documented in docs/CLASSIFICATION.md.

-- Per record: our verdict next to the reporter's, the class and the path.
ALTER TABLE records ADD COLUMN spf_cat INTEGER NOT NULL DEFAULT 2;   -- 0 pass+aligned, 1 pass not aligned, 2 fail
ALTER TABLE records ADD COLUMN dkim_cat INTEGER NOT NULL DEFAULT 2;
ALTER TABLE records ADD COLUMN dkim_signed_aligned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN reporter_pass INTEGER NOT NULL DEFAULT 0; -- policy_evaluated dkim or spf pass
ALTER TABLE records ADD COLUMN mismatch INTEGER NOT NULL DEFAULT 0;      -- reporter's verdicts differ from ours
ALTER TABLE records ADD COLUMN reasons_mask INTEGER NOT NULL DEFAULT 0;
ALTER TABLE records ADD COLUMN spf_domain TEXT;       -- the SPF result that decided
ALTER TABLE records ADD COLUMN spf_result TEXT;
ALTER TABLE records ADD COLUMN dkim_domain TEXT;      -- the DKIM result that decided
ALTER TABLE records ADD COLUMN dkim_result TEXT;
ALTER TABLE records ADD COLUMN dkim_pass_domains TEXT;  -- space separated d= of passing signatures
ALTER TABLE records ADD COLUMN sender_kind INTEGER NOT NULL DEFAULT 0;  -- 0 none, 1 internal, 2 third party
ALTER TABLE records ADD COLUMN sender_id INTEGER;
ALTER TABLE records ADD COLUMN service TEXT;          -- known service name, if any
ALTER TABLE records ADD COLUMN cls INTEGER NOT NULL DEFAULT 3;
ALTER TABLE records ADD COLUMN path INTEGER NOT NULL DEFAULT 5;
ALTER TABLE records ADD COLUMN expl INTEGER NOT NULL DEFAULT 0;
CREATE INDEX records_domain ON records(policy_domain, report_id);
CREATE INDEX records_mismatch ON records(policy_domain) WHERE mismatch = 1;

-- My Senders: authorized sources per policy domain.
CREATE TABLE senders (
    id            INTEGER PRIMARY KEY,
    policy_domain TEXT NOT NULL,
    kind          INTEGER NOT NULL,      -- 1 internal, 2 third party
    match_type    TEXT NOT NULL,         -- cidr | rdns | service | dkim
    value         TEXT NOT NULL,         -- canonical: network/prefix, lower-case suffix or domain, service name
    note          TEXT,
    created_at    INTEGER NOT NULL,
    UNIQUE (policy_domain, match_type, value)
);

-- What enrichment knows about a sending host (issue 4 adds its cache state).
CREATE TABLE hosts (
    ip            TEXT PRIMARY KEY,
    ptr           TEXT,                  -- reverse DNS name, NULL when none
    fcrdns        INTEGER,               -- 1 forward-confirmed, 0 not, NULL unknown
    base_domain   TEXT,                  -- organizational domain of ptr
    asn           INTEGER,
    as_name       TEXT,
    country       TEXT,                  -- ISO 3166 alpha-2
    service       TEXT,                  -- known-service name
    service_type  TEXT,
    updated_at    INTEGER
) WITHOUT ROWID;

-- Rollups, kept up to date at ingest and on reclassification.  day and hour
-- are UTC (unix seconds / 86400, / 3600); multi-day reports are spread over
-- their days in proportion to the overlap, so the sums stay exact.
CREATE TABLE rollup_day (
    policy_domain TEXT NOT NULL,
    day           INTEGER NOT NULL,
    cls           INTEGER NOT NULL,
    path          INTEGER NOT NULL,
    spf_cat       INTEGER NOT NULL,
    dkim_cat      INTEGER NOT NULL,
    sender_kind   INTEGER NOT NULL,
    known         INTEGER NOT NULL,      -- 1 when the source is a known service
    disposition   INTEGER NOT NULL,      -- dm_disp
    reporter_pass INTEGER NOT NULL,
    messages      INTEGER NOT NULL,
    records       INTEGER NOT NULL,
    PRIMARY KEY (policy_domain, day, cls, path, spf_cat, dkim_cat, sender_kind, known,
                 disposition, reporter_pass)
) WITHOUT ROWID;

CREATE TABLE rollup_hour (
    policy_domain TEXT NOT NULL,
    hour          INTEGER NOT NULL,
    cls           INTEGER NOT NULL,
    messages      INTEGER NOT NULL,
    PRIMARY KEY (policy_domain, hour, cls)
) WITHOUT ROWID;

-- Sources by /24 (IPv4) or /48 (IPv6).
CREATE TABLE rollup_src (
    policy_domain TEXT NOT NULL,
    day           INTEGER NOT NULL,
    prefix        TEXT NOT NULL,
    messages      INTEGER NOT NULL,
    spf_aligned   INTEGER NOT NULL,      -- messages with SPF pass + aligned
    dkim_aligned  INTEGER NOT NULL,
    dmarc_pass    INTEGER NOT NULL,
    spoofing      INTEGER NOT NULL,
    PRIMARY KEY (policy_domain, day, prefix)
) WITHOUT ROWID;

CREATE TABLE rollup_org (
    policy_domain TEXT NOT NULL,
    day           INTEGER NOT NULL,
    org           TEXT NOT NULL,
    reports       INTEGER NOT NULL,
    messages      INTEGER NOT NULL,
    PRIMARY KEY (policy_domain, day, org)
) WITHOUT ROWID;

-- Domains whose records and rollups must be recomputed (after this migration,
-- a My Senders change, new enrichment or a newer PSL).  Drained by
-- analysis_catch_up() before any command reads the analysis.
CREATE TABLE analysis_pending (
    policy_domain TEXT PRIMARY KEY,
    queued_at     INTEGER NOT NULL
);
INSERT INTO analysis_pending SELECT DISTINCT policy_domain, 0 FROM reports;
