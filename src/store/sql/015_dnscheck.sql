-- 015_dnscheck.sql: DNS record checks (issue 18, `dmarcscope check` and the
-- daemon's daily run).  dns_records is the history of every record the
-- checks read for a policy domain: one row per (kind, name, text) while it
-- is published, gone_at set on the day it changed or disappeared (the
-- current set is gone_at IS NULL).  dns_checks keeps the latest result of
-- each domain's check (findings as JSON, as `check --json` prints them).
CREATE TABLE dns_records (
    id             INTEGER PRIMARY KEY,
    policy_domain  TEXT NOT NULL,
    kind           TEXT NOT NULL,     -- dmarc | spf | dkim | mta-sts | mta-sts-policy | tls-rpt | bimi | dmarc-report
    name           TEXT NOT NULL,     -- the DNS name (or the policy's host)
    text           TEXT NOT NULL,     -- several records at one name: sorted, joined by newlines
    first_seen     INTEGER NOT NULL,
    last_seen      INTEGER NOT NULL,
    gone_at        INTEGER            -- NULL while published
);
CREATE INDEX dns_records_domain ON dns_records(policy_domain, gone_at);

CREATE TABLE dns_checks (
    policy_domain  TEXT PRIMARY KEY,
    checked_at     INTEGER NOT NULL,
    errors         INTEGER NOT NULL,
    warnings       INTEGER NOT NULL,
    result         TEXT NOT NULL      -- JSON
);
