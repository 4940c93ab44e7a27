-- 001_init.sql: the ingest core.  Portable SQL (SQLite and PostgreSQL dialects
-- differ only where store_*.c rewrites them); policy_domain is on every big
-- table so the schema can be distributed by tenant later.

-- Every input message, archived compressed before it is parsed.
CREATE TABLE raw_messages (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT UNIQUE,            -- of the raw bytes; NULL only while archiving
    size          INTEGER NOT NULL,       -- raw bytes
    stored_size   INTEGER NOT NULL,       -- bytes in raw_chunks
    codec         TEXT NOT NULL,          -- 'zstd' or 'none' (input already compressed)
    source        TEXT NOT NULL,          -- where it came from (path, mbox:path#n, stdin)
    received_at   INTEGER NOT NULL,       -- unix time of the first ingest
    state         TEXT NOT NULL,          -- pending | stored | partial | quarantined
    reason        TEXT,                   -- last refusal reason
    reports       INTEGER NOT NULL DEFAULT 0,  -- reports stored from this message
    processed_at  INTEGER
);
CREATE INDEX raw_messages_state ON raw_messages(state);

CREATE TABLE raw_chunks (
    raw_id  INTEGER NOT NULL REFERENCES raw_messages(id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    data    BLOB NOT NULL,
    PRIMARY KEY (raw_id, seq)
) WITHOUT ROWID;

CREATE TABLE reports (
    id                 INTEGER PRIMARY KEY,
    raw_id             INTEGER REFERENCES raw_messages(id),
    org_key            TEXT NOT NULL,     -- identity (normalised)
    report_id_key      TEXT NOT NULL,
    policy_domain      TEXT NOT NULL,
    date_begin         INTEGER NOT NULL,
    date_end           INTEGER NOT NULL,
    org_name           TEXT,
    email              TEXT,
    extra_contact_info TEXT,
    report_id          TEXT,              -- raw value as sent
    version            TEXT,
    schema             TEXT NOT NULL,     -- draft | rfc7489 | rfc9990
    xml_namespace      TEXT,
    generator          TEXT,
    p                  TEXT,
    sp                 TEXT,
    np                 TEXT,
    adkim              TEXT,
    aspf               TEXT,
    pct                INTEGER,
    fo                 TEXT,
    testing            TEXT,
    discovery_method   TEXT,
    policy_raw         TEXT,              -- JSON of raw policy values when they differ
    policy_count       INTEGER NOT NULL DEFAULT 1,
    errors             TEXT NOT NULL DEFAULT '[]',   -- JSON array
    warnings           TEXT NOT NULL DEFAULT '[]',   -- JSON array
    extensions         TEXT,
    record_count       INTEGER NOT NULL DEFAULT 0,
    message_count      INTEGER NOT NULL DEFAULT 0,
    skipped_records    INTEGER NOT NULL DEFAULT 0,
    recovered          INTEGER NOT NULL DEFAULT 0,
    ingested_at        INTEGER NOT NULL,
    complete           INTEGER NOT NULL DEFAULT 0,
    UNIQUE (org_key, report_id_key, policy_domain, date_begin, date_end)
);
CREATE INDEX reports_domain_begin ON reports(policy_domain, date_begin);

CREATE TABLE records (
    id              INTEGER PRIMARY KEY,
    report_id       INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    policy_domain   TEXT NOT NULL,
    source_ip       TEXT NOT NULL,
    ip_family       INTEGER NOT NULL,
    count           INTEGER NOT NULL,
    disposition     TEXT,
    dkim            TEXT,                 -- policy_evaluated (aligned verdict)
    spf             TEXT,
    raw_disposition TEXT,                 -- raw text only when it differs from the normalised value
    raw_dkim        TEXT,
    raw_spf         TEXT,
    header_from     TEXT,
    envelope_from   TEXT,
    envelope_to     TEXT,
    ndkim           INTEGER NOT NULL DEFAULT 0,
    nspf            INTEGER NOT NULL DEFAULT 0,
    nreasons        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX records_report ON records(report_id);

CREATE TABLE record_reasons (
    record_id  INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    idx        INTEGER NOT NULL,
    type       TEXT NOT NULL,
    raw_type   TEXT,
    comment    TEXT,
    PRIMARY KEY (record_id, idx)
) WITHOUT ROWID;

CREATE TABLE auth_dkim (
    record_id     INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    idx           INTEGER NOT NULL,
    domain        TEXT,
    selector      TEXT,
    result        TEXT,
    raw_result    TEXT,
    human_result  TEXT,
    PRIMARY KEY (record_id, idx)
) WITHOUT ROWID;

CREATE TABLE auth_spf (
    record_id     INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,
    idx           INTEGER NOT NULL,
    domain        TEXT,
    scope         TEXT,
    result        TEXT,
    raw_result    TEXT,
    human_result  TEXT,
    PRIMARY KEY (record_id, idx)
) WITHOUT ROWID;

-- Each time a report (or a whole archived message) arrived again and added nothing.
CREATE TABLE duplicates (
    id          INTEGER PRIMARY KEY,
    raw_id      INTEGER REFERENCES raw_messages(id),
    report_id   INTEGER REFERENCES reports(id),  -- the report it duplicates, if known
    source      TEXT,
    seen_at     INTEGER NOT NULL
);

-- Refused inputs, reprocessable with `quarantine retry`.
CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    raw_id      INTEGER NOT NULL REFERENCES raw_messages(id),
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    retried_at  INTEGER,
    resolved    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX quarantine_open ON quarantine(resolved, raw_id);
