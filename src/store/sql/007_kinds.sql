-- 007_kinds.sql: failure reports (RFC 6591 / RFC 9991 on ARF) and SMTP TLS
-- reports (RFC 8460), the two kinds beside aggregate reports
-- (docs/REPORT-KINDS.md).  Each kind stores its parser's canonical JSON
-- (model) plus the columns the screens filter and sort on; a unique ident
-- per kind gives the duplicate.  The raw message stays in raw_messages /
-- raw_chunks as for aggregate reports.

CREATE TABLE failure_reports (
    id                 INTEGER PRIMARY KEY,
    raw_id             INTEGER REFERENCES raw_messages(id),
    ident              TEXT NOT NULL UNIQUE,  -- dm_kind identity ("failure:<sha256>" / "sha256:...")
    policy_domain      TEXT NOT NULL,         -- Reported-Domain, else the sample From's domain, lower case; '' if none
    feedback_type      TEXT NOT NULL,         -- auth-failure | abuse | fraud | ...
    is_dmarc_failure   INTEGER NOT NULL,      -- 1: enters the threats list and the counts
    auth_failure       TEXT,                  -- dmarc | spf | dkim | adsp | ... (Auth-Failure)
    identity_alignment TEXT,
    delivery_result    TEXT,
    reporter           TEXT,                  -- the report's From address
    reporter_domain    TEXT,                  -- its domain, lower case
    user_agent         TEXT,
    source_ip          TEXT,                  -- canonical text, or NULL
    ip_family          INTEGER,               -- 4 | 6 | NULL
    source_ip_from     TEXT,                  -- feedback-report | received | text | NULL
    arrival_time       INTEGER NOT NULL,      -- unix; the report's date when Arrival-Date is missing
    subject            TEXT,                  -- the sample's decoded Subject
    mail_from          TEXT,                  -- the sample's From header
    envelope_from      TEXT,                  -- Original-Mail-From
    rcpt_to            TEXT,                  -- Original-Rcpt-To (first)
    message_id         TEXT,                  -- the sample's Message-ID
    dkim_domain        TEXT,
    dkim_selector      TEXT,
    url_count          INTEGER NOT NULL DEFAULT 0,
    attachment_count   INTEGER NOT NULL DEFAULT 0,
    flags              TEXT NOT NULL DEFAULT '[]',  -- JSON array (html-script, executable-attachment, ...)
    redacted           INTEGER NOT NULL DEFAULT 0,  -- local parts replaced at ingest (--redact)
    sample_purged      INTEGER NOT NULL DEFAULT 0,  -- sample headers/text dropped by retention
    model              TEXT NOT NULL,         -- arf_to_json() as stored (after redaction / purge)
    ingested_at        INTEGER NOT NULL
);
CREATE INDEX failure_reports_domain_time ON failure_reports(policy_domain, arrival_time);
CREATE INDEX failure_reports_ip_time ON failure_reports(source_ip, arrival_time);
CREATE INDEX failure_reports_time ON failure_reports(arrival_time);

-- One row per distinct normalised URL of a failure report's sample.
CREATE TABLE failure_urls (
    failure_id    INTEGER NOT NULL REFERENCES failure_reports(id) ON DELETE CASCADE,
    policy_domain TEXT NOT NULL,      -- copied from the report, for per-domain counts
    seen_at       INTEGER NOT NULL,   -- the report's arrival_time
    url           TEXT NOT NULL,      -- normalised (arf.c), never defanged in the database
    host          TEXT,
    reg_domain    TEXT,               -- registered domain (libpsl)
    flags         TEXT NOT NULL DEFAULT '[]',
    count         INTEGER NOT NULL DEFAULT 1,  -- occurrences in this sample
    PRIMARY KEY (failure_id, url)
);
CREATE INDEX failure_urls_url ON failure_urls(url);
CREATE INDEX failure_urls_domain ON failure_urls(policy_domain, reg_domain);

CREATE TABLE tls_reports (
    id            INTEGER PRIMARY KEY,
    raw_id        INTEGER REFERENCES raw_messages(id),
    ident         TEXT NOT NULL UNIQUE,  -- "tlsrpt:" + report-id
    org_name      TEXT NOT NULL,
    contact_info  TEXT,
    report_id     TEXT NOT NULL,
    date_begin    INTEGER NOT NULL,
    date_end      INTEGER NOT NULL,
    success_count INTEGER NOT NULL,      -- over all policies
    failure_count INTEGER NOT NULL,
    warnings      TEXT NOT NULL DEFAULT '[]',
    model         TEXT NOT NULL,         -- tlsrpt_to_json()
    ingested_at   INTEGER NOT NULL
);
CREATE INDEX tls_reports_begin ON tls_reports(date_begin);

CREATE TABLE tls_policies (
    id             INTEGER PRIMARY KEY,
    tls_report_id  INTEGER NOT NULL REFERENCES tls_reports(id) ON DELETE CASCADE,
    policy_domain  TEXT NOT NULL,        -- lower case
    policy_type    TEXT NOT NULL,        -- sts | tlsa | no-policy-found | (as sent)
    policy_strings TEXT NOT NULL DEFAULT '[]',
    mx_hosts       TEXT NOT NULL DEFAULT '[]',
    date_begin     INTEGER NOT NULL,     -- copied from the report
    date_end       INTEGER NOT NULL,
    success_count  INTEGER NOT NULL,
    failure_count  INTEGER NOT NULL
);
CREATE INDEX tls_policies_domain_begin ON tls_policies(policy_domain, date_begin);

CREATE TABLE tls_failures (
    policy_id             INTEGER NOT NULL REFERENCES tls_policies(id) ON DELETE CASCADE,
    policy_domain         TEXT NOT NULL,
    date_begin            INTEGER NOT NULL,
    result_type           TEXT NOT NULL,
    sending_mta_ip        TEXT,
    receiving_ip          TEXT,
    receiving_mx_hostname TEXT,
    receiving_mx_helo     TEXT,
    failed_session_count  INTEGER NOT NULL,
    additional_information TEXT,
    failure_reason_code   TEXT
);
CREATE INDEX tls_failures_domain_begin ON tls_failures(policy_domain, date_begin);
CREATE INDEX tls_failures_policy ON tls_failures(policy_id);

-- Duplicates of the new kinds: one row per arrival of a report already stored.
CREATE TABLE kind_duplicates (
    id         INTEGER PRIMARY KEY,
    kind       INTEGER NOT NULL,      -- DM_KIND_FAILURE | DM_KIND_TLSRPT
    target_id  INTEGER NOT NULL,      -- failure_reports.id or tls_reports.id
    raw_id     INTEGER REFERENCES raw_messages(id),
    source     TEXT,
    created_at INTEGER NOT NULL
);
