-- 009_alerts.sql: alerts (issue 15).  The ingest side records which
-- (policy domain, UTC day) pairs changed in alert_changes; the evaluator
-- (src/alert/rules.c) reads only those days and the rollups, writes alerts,
-- and queues one delivery per alert per channel in alert_deliveries, the
-- retry queue that survives a restart.  docs/ALERTS.md describes the rules,
-- the settings and the delivery guarantees.

-- Per policy domain.  Thresholds the row leaves out (NULL or a key missing
-- from the JSON object) take the defaults of src/alert/alert.h.
CREATE TABLE alert_settings (
    policy_domain   TEXT PRIMARY KEY,
    enabled         INTEGER NOT NULL DEFAULT 1,
    thresholds      TEXT NOT NULL DEFAULT '{}',   -- JSON object: rule parameters
    recipients      TEXT NOT NULL DEFAULT '[]',   -- JSON array of {"addr":..., "lang":"ja"|"en"}
    webhook_url     TEXT,                         -- NULL: no webhook
    webhook_secret  TEXT,                         -- HMAC-SHA256 key
    webhook_format  TEXT NOT NULL DEFAULT 'json', -- json | slack (also Teams' incoming webhook)
    cooldown_days   INTEGER NOT NULL DEFAULT 7,   -- the same rule and subject alert again after this
    digest          TEXT NOT NULL DEFAULT 'off',  -- off | daily: alert mails batched once a day
    summary         TEXT NOT NULL DEFAULT 'weekly', -- off | weekly | daily
    summary_weekday INTEGER NOT NULL DEFAULT 1,   -- 0 Sunday .. 6 Saturday (weekly)
    summary_hour    INTEGER NOT NULL DEFAULT 9,   -- local hour the summary is due
    tz_offset_min   INTEGER NOT NULL DEFAULT 540, -- local time = UTC + this (JST)
    updated_at      INTEGER NOT NULL
);

CREATE TABLE alerts (
    id            INTEGER PRIMARY KEY,
    policy_domain TEXT NOT NULL,
    rule          TEXT NOT NULL,      -- spoofing_started | spoofing_spike | new_source | ...
    subject_key   TEXT NOT NULL DEFAULT '',  -- what within the domain (prefix, reporter, sender kind)
    day           INTEGER NOT NULL,   -- UTC day (unix seconds / 86400) the numbers belong to
    numbers       TEXT NOT NULL,      -- JSON object: what triggered it
    link          TEXT NOT NULL,      -- portal path, e.g. #/mail?domain=..&since=..
    state         TEXT NOT NULL DEFAULT 'open',  -- open | acknowledged
    created_at    INTEGER NOT NULL,
    acked_at      INTEGER,
    UNIQUE (policy_domain, rule, subject_key, day)
);
CREATE INDEX alerts_domain_state ON alerts(policy_domain, state, created_at);
CREATE INDEX alerts_cooldown ON alerts(policy_domain, rule, subject_key, day);

-- What was sent (or is to be sent) when: one row per domain, kind and period.
CREATE TABLE summary_runs (
    id            INTEGER PRIMARY KEY,
    policy_domain TEXT NOT NULL,
    kind          TEXT NOT NULL,      -- weekly | daily
    period_start  INTEGER NOT NULL,   -- unix seconds, inclusive
    period_end    INTEGER NOT NULL,   -- exclusive
    created_at    INTEGER NOT NULL,
    UNIQUE (policy_domain, kind, period_start)
);

-- The delivery queue: one row per alert (or summary run) per channel.
-- channel: "mail:ADDRESS" or "webhook".  A row is claimed by moving
-- next_attempt past the send's timeout (attempts + 1) in its own
-- transaction, then marked sent or rescheduled; see docs/ALERTS.md.
CREATE TABLE alert_deliveries (
    id            INTEGER PRIMARY KEY,
    alert_id      INTEGER REFERENCES alerts(id) ON DELETE CASCADE,
    summary_id    INTEGER REFERENCES summary_runs(id) ON DELETE CASCADE,
    channel       TEXT NOT NULL,
    lang          TEXT NOT NULL DEFAULT 'en',   -- ja | en
    state         TEXT NOT NULL DEFAULT 'pending',  -- pending | sent | failed
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  INTEGER NOT NULL,
    last_error    TEXT,
    sent_at       INTEGER,
    created_at    INTEGER NOT NULL,
    CHECK ((alert_id IS NULL) <> (summary_id IS NULL)),
    UNIQUE (alert_id, channel),
    UNIQUE (summary_id, channel)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries(state, next_attempt);

-- (domain, day) pairs whose rollups changed since the evaluator last ran.
-- seq grows with every change so that a change recorded while the evaluator
-- works on the same pair is not consumed with it.
CREATE TABLE alert_changes (
    policy_domain TEXT NOT NULL,
    day           INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    PRIMARY KEY (policy_domain, day)
) WITHOUT ROWID;
