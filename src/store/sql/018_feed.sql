-- 018_feed.sql: the spoofing-host feed (issue 18 part 5, `dmarcscope feed`,
-- GET /api/v1/spoofers*).  feed_allow is the explicit allow-list: a network
-- here never appears in the feed (nor in its rbldnsd zone, where it is an
-- exclusion), whatever its counts.  tenant_id 0 is the provider-wide list
-- (operators, the CLI); a tenant's feed skips the provider's rows and its own.
CREATE TABLE feed_allow (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL DEFAULT 0,
    cidr        TEXT NOT NULL,        -- canonical network/prefix (ip_cidr_format)
    note        TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (tenant_id, cidr)
);
