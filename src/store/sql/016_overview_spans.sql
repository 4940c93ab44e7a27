-- 016_overview_spans.sql: the domains overview's rollups again (issue 19), so
-- that any period over 10,000 domains reads about ten rows a domain, keyed by
-- integers, with the reporters in the same rows:
--   ov_domain          an integer id per policy domain seen in rollup_day or
--                      rollup_org (kept; ids are never reused)
--   ov_reporter        per domain, one bit per reporting org: 1 << k for its
--                      k-th org (k < 62), 1 << 62 for every later one (the
--                      reader then counts that domain's orgs in rollup_org)
--   rollup_domain_day  per day and domain (as 014, keyed by the id): sums,
--                      and orgs, the OR of the bits of the day's reporters
--   rollup_domain_span per level (1, 2, 3: 4, 16, 64 days, start = day >>
--                      2*level) and domain: the sums, the first and last day
--                      with messages, the OR of the days' orgs.  A period is
--                      at most 3 pieces a level at each end (a base-4
--                      decomposition; web_overview.c), e.g. 90 days 10 rows
--                      a domain, 30 days 6, instead of 21 and 14 with 014's
--                      8-day blocks.  Reporters over a period = the bits set
--                      in the OR of its rows (distinct orgs are not a sum).
-- 014's rollup_domain_block and its triggers go; domain_summary stays.
-- Triggers keep all exact through ingest, reanalysis, purge: rollup_day moves
-- the day's sums, rollup_org the day's orgs (an org added: OR its bit; an org
-- removed: the day's orgs read again from rollup_org); a day row goes when it
-- has no messages, no orgs and no rollup_day row; the spans follow the days:
-- sums by difference, first/last day and orgs grow with a day, and are read
-- again from the span's day rows (at most 64, by rollup_domain_day_domain)
-- when a day loses messages or orgs.  (No INSERT OR IGNORE in a trigger: the
-- writer's own conflict clause would override it.)  Bits: SQLite has no bitwise-or
-- aggregate; the OR of distinct bits is their sum (1 << 62 once: max()).

DROP TRIGGER rollup_day_ov_insert;
DROP TRIGGER rollup_day_ov_delete;
DROP TRIGGER rollup_day_ov_update;
DROP TRIGGER rollup_domain_day_ov_insert;
DROP TRIGGER rollup_domain_day_ov_update;
DROP TRIGGER rollup_domain_day_ov_update_none;
DROP TRIGGER rollup_domain_day_ov_delete;
DROP TABLE rollup_domain_block;
DROP TABLE rollup_domain_day;

CREATE TABLE ov_domain (
    id            INTEGER PRIMARY KEY,
    policy_domain TEXT NOT NULL UNIQUE
);

CREATE TABLE ov_reporter (
    domain_id     INTEGER NOT NULL,
    org           TEXT NOT NULL,
    bit           INTEGER NOT NULL,     -- 1 << k (k < 62), or 1 << 62: one of many
    PRIMARY KEY (domain_id, org)
) WITHOUT ROWID;

CREATE TABLE rollup_domain_day (
    day           INTEGER NOT NULL,     -- UTC day (unix seconds / 86400)
    domain_id     INTEGER NOT NULL,     -- ov_domain
    messages      INTEGER NOT NULL DEFAULT 0,
    dmarc_pass    INTEGER NOT NULL DEFAULT 0,
    spf_aligned   INTEGER NOT NULL DEFAULT 0,
    dkim_aligned  INTEGER NOT NULL DEFAULT 0,
    forwarded     INTEGER NOT NULL DEFAULT 0,
    auth_failure  INTEGER NOT NULL DEFAULT 0,
    spoofing      INTEGER NOT NULL DEFAULT 0,
    orgs          INTEGER NOT NULL DEFAULT 0,  -- OR of ov_reporter.bit of the day's orgs
    PRIMARY KEY (day, domain_id)
) WITHOUT ROWID;
CREATE INDEX rollup_domain_day_domain ON rollup_domain_day(domain_id, day);

CREATE TABLE rollup_domain_span (
    level         INTEGER NOT NULL,     -- 1, 2, 3: 4, 16, 64 days
    start         INTEGER NOT NULL,     -- day >> (2 * level)
    domain_id     INTEGER NOT NULL,
    messages      INTEGER NOT NULL DEFAULT 0,
    dmarc_pass    INTEGER NOT NULL DEFAULT 0,
    spf_aligned   INTEGER NOT NULL DEFAULT 0,
    dkim_aligned  INTEGER NOT NULL DEFAULT 0,
    forwarded     INTEGER NOT NULL DEFAULT 0,
    auth_failure  INTEGER NOT NULL DEFAULT 0,
    spoofing      INTEGER NOT NULL DEFAULT 0,
    first_day     INTEGER,              -- first and last day of the span with messages
    last_day      INTEGER,
    orgs          INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (level, start, domain_id)
) WITHOUT ROWID;

-- backfill from rollup_day and rollup_org
INSERT INTO ov_domain(policy_domain)
SELECT policy_domain FROM rollup_day UNION SELECT policy_domain FROM rollup_org ORDER BY 1;

INSERT INTO ov_reporter(domain_id, org, bit)
SELECT domain_id, org, CASE WHEN k < 62 THEN 1 << k ELSE 1 << 62 END
FROM (SELECT d.id AS domain_id, o.org AS org,
             row_number() OVER (PARTITION BY d.id ORDER BY min(o.day), o.org) - 1 AS k
      FROM rollup_org o JOIN ov_domain d ON d.policy_domain = o.policy_domain
      GROUP BY d.id, o.org);

INSERT INTO rollup_domain_day(day, domain_id, messages, dmarc_pass, spf_aligned, dkim_aligned,
                              forwarded, auth_failure, spoofing)
SELECT r.day, d.id, sum(r.messages),
       sum(CASE WHEN r.cls = 0 THEN r.messages ELSE 0 END),
       sum(CASE WHEN r.spf_cat = 0 THEN r.messages ELSE 0 END),
       sum(CASE WHEN r.dkim_cat = 0 THEN r.messages ELSE 0 END),
       sum(CASE WHEN r.cls = 1 THEN r.messages ELSE 0 END),
       sum(CASE WHEN r.cls = 2 THEN r.messages ELSE 0 END),
       sum(CASE WHEN r.cls NOT IN (0, 1, 2) THEN r.messages ELSE 0 END)
FROM rollup_day r JOIN ov_domain d ON d.policy_domain = r.policy_domain GROUP BY r.day, d.id;

INSERT INTO rollup_domain_day(day, domain_id, orgs)
SELECT o.day, d.id, coalesce(sum(CASE WHEN b.bit < 1 << 62 THEN b.bit END), 0) | max(b.bit)
FROM rollup_org o JOIN ov_domain d ON d.policy_domain = o.policy_domain
JOIN ov_reporter b ON b.domain_id = d.id AND b.org = o.org
WHERE true GROUP BY o.day, d.id
ON CONFLICT (day, domain_id) DO UPDATE SET orgs = excluded.orgs;

INSERT INTO rollup_domain_span(level, start, domain_id, messages, dmarc_pass, spf_aligned,
                               dkim_aligned, forwarded, auth_failure, spoofing, first_day, last_day)
SELECT l.level, x.day >> (2 * l.level), x.domain_id, sum(x.messages), sum(x.dmarc_pass),
       sum(x.spf_aligned), sum(x.dkim_aligned), sum(x.forwarded), sum(x.auth_failure),
       sum(x.spoofing), min(CASE WHEN x.messages <> 0 THEN x.day END),
       max(CASE WHEN x.messages <> 0 THEN x.day END)
FROM rollup_domain_day x, (SELECT 1 AS level UNION ALL SELECT 2 UNION ALL SELECT 3) l
GROUP BY l.level, x.day >> (2 * l.level), x.domain_id;

UPDATE rollup_domain_span SET orgs = coalesce((SELECT
        coalesce(sum(CASE WHEN b.bit < 1 << 62 THEN b.bit END), 0) | max(b.bit)
    FROM ov_reporter b WHERE b.domain_id = rollup_domain_span.domain_id AND EXISTS (
        SELECT 1 FROM rollup_domain_day x WHERE x.domain_id = rollup_domain_span.domain_id
        AND x.day >= rollup_domain_span.start << (2 * rollup_domain_span.level)
        AND x.day < (rollup_domain_span.start + 1) << (2 * rollup_domain_span.level)
        AND x.orgs & b.bit <> 0)), 0);

-- rollup_day -> the day's sums
CREATE TRIGGER rollup_day_ov_insert AFTER INSERT ON rollup_day BEGIN
    INSERT INTO ov_domain(policy_domain) SELECT NEW.policy_domain
    WHERE NOT EXISTS (SELECT 1 FROM ov_domain WHERE policy_domain = NEW.policy_domain);
    INSERT INTO rollup_domain_day(day, domain_id, messages, dmarc_pass, spf_aligned,
                                  dkim_aligned, forwarded, auth_failure, spoofing)
    VALUES (NEW.day, (SELECT id FROM ov_domain WHERE policy_domain = NEW.policy_domain), NEW.messages,
            CASE WHEN NEW.cls = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.spf_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.dkim_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 1 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 2 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls NOT IN (0, 1, 2) THEN NEW.messages ELSE 0 END)
    ON CONFLICT (day, domain_id) DO UPDATE SET
        messages = messages + excluded.messages, dmarc_pass = dmarc_pass + excluded.dmarc_pass,
        spf_aligned = spf_aligned + excluded.spf_aligned,
        dkim_aligned = dkim_aligned + excluded.dkim_aligned,
        forwarded = forwarded + excluded.forwarded,
        auth_failure = auth_failure + excluded.auth_failure, spoofing = spoofing + excluded.spoofing;
END;

CREATE TRIGGER rollup_day_ov_delete AFTER DELETE ON rollup_day BEGIN
    UPDATE rollup_domain_day SET messages = messages - OLD.messages,
        dmarc_pass = dmarc_pass - CASE WHEN OLD.cls = 0 THEN OLD.messages ELSE 0 END,
        spf_aligned = spf_aligned - CASE WHEN OLD.spf_cat = 0 THEN OLD.messages ELSE 0 END,
        dkim_aligned = dkim_aligned - CASE WHEN OLD.dkim_cat = 0 THEN OLD.messages ELSE 0 END,
        forwarded = forwarded - CASE WHEN OLD.cls = 1 THEN OLD.messages ELSE 0 END,
        auth_failure = auth_failure - CASE WHEN OLD.cls = 2 THEN OLD.messages ELSE 0 END,
        spoofing = spoofing - CASE WHEN OLD.cls NOT IN (0, 1, 2) THEN OLD.messages ELSE 0 END
    WHERE day = OLD.day AND domain_id = (SELECT id FROM ov_domain WHERE policy_domain = OLD.policy_domain);
    DELETE FROM rollup_domain_day WHERE day = OLD.day
        AND domain_id = (SELECT id FROM ov_domain WHERE policy_domain = OLD.policy_domain)
        AND messages = 0 AND orgs = 0 AND NOT EXISTS (SELECT 1 FROM rollup_day d
        WHERE d.policy_domain = OLD.policy_domain AND d.day = OLD.day);
END;

-- an upsert's DO UPDATE (ingest adds to an existing row) and any other change
CREATE TRIGGER rollup_day_ov_update AFTER UPDATE ON rollup_day BEGIN
    UPDATE rollup_domain_day SET messages = messages - OLD.messages,
        dmarc_pass = dmarc_pass - CASE WHEN OLD.cls = 0 THEN OLD.messages ELSE 0 END,
        spf_aligned = spf_aligned - CASE WHEN OLD.spf_cat = 0 THEN OLD.messages ELSE 0 END,
        dkim_aligned = dkim_aligned - CASE WHEN OLD.dkim_cat = 0 THEN OLD.messages ELSE 0 END,
        forwarded = forwarded - CASE WHEN OLD.cls = 1 THEN OLD.messages ELSE 0 END,
        auth_failure = auth_failure - CASE WHEN OLD.cls = 2 THEN OLD.messages ELSE 0 END,
        spoofing = spoofing - CASE WHEN OLD.cls NOT IN (0, 1, 2) THEN OLD.messages ELSE 0 END
    WHERE day = OLD.day AND domain_id = (SELECT id FROM ov_domain WHERE policy_domain = OLD.policy_domain);
    INSERT INTO ov_domain(policy_domain) SELECT NEW.policy_domain
    WHERE NOT EXISTS (SELECT 1 FROM ov_domain WHERE policy_domain = NEW.policy_domain);
    INSERT INTO rollup_domain_day(day, domain_id, messages, dmarc_pass, spf_aligned,
                                  dkim_aligned, forwarded, auth_failure, spoofing)
    VALUES (NEW.day, (SELECT id FROM ov_domain WHERE policy_domain = NEW.policy_domain), NEW.messages,
            CASE WHEN NEW.cls = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.spf_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.dkim_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 1 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 2 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls NOT IN (0, 1, 2) THEN NEW.messages ELSE 0 END)
    ON CONFLICT (day, domain_id) DO UPDATE SET
        messages = messages + excluded.messages, dmarc_pass = dmarc_pass + excluded.dmarc_pass,
        spf_aligned = spf_aligned + excluded.spf_aligned,
        dkim_aligned = dkim_aligned + excluded.dkim_aligned,
        forwarded = forwarded + excluded.forwarded,
        auth_failure = auth_failure + excluded.auth_failure, spoofing = spoofing + excluded.spoofing;
END;

-- rollup_org -> the day's orgs (its rows change reports and messages only otherwise)
CREATE TRIGGER rollup_org_ov_insert AFTER INSERT ON rollup_org BEGIN
    INSERT INTO ov_domain(policy_domain) SELECT NEW.policy_domain
    WHERE NOT EXISTS (SELECT 1 FROM ov_domain WHERE policy_domain = NEW.policy_domain);
    INSERT INTO ov_reporter(domain_id, org, bit)
    SELECT d.id, NEW.org, (SELECT CASE WHEN count(*) < 62 THEN 1 << count(*) ELSE 1 << 62 END
                           FROM ov_reporter r WHERE r.domain_id = d.id)
    FROM ov_domain d WHERE d.policy_domain = NEW.policy_domain AND NOT EXISTS (SELECT 1
        FROM ov_reporter x WHERE x.domain_id = d.id AND x.org = NEW.org);
    INSERT INTO rollup_domain_day(day, domain_id, orgs)
    SELECT NEW.day, b.domain_id, b.bit FROM ov_reporter b
    WHERE b.domain_id = (SELECT id FROM ov_domain WHERE policy_domain = NEW.policy_domain)
      AND b.org = NEW.org
    ON CONFLICT (day, domain_id) DO UPDATE SET orgs = orgs | excluded.orgs
    WHERE orgs & excluded.orgs = 0;
END;

CREATE TRIGGER rollup_org_ov_delete AFTER DELETE ON rollup_org BEGIN
    UPDATE rollup_domain_day SET orgs = coalesce((SELECT
            coalesce(sum(CASE WHEN b.bit < 1 << 62 THEN b.bit END), 0) | max(b.bit)
        FROM rollup_org o JOIN ov_reporter b ON b.domain_id = rollup_domain_day.domain_id
        AND b.org = o.org WHERE o.policy_domain = OLD.policy_domain AND o.day = OLD.day), 0)
    WHERE day = OLD.day AND domain_id = (SELECT id FROM ov_domain WHERE policy_domain = OLD.policy_domain);
    DELETE FROM rollup_domain_day WHERE day = OLD.day
        AND domain_id = (SELECT id FROM ov_domain WHERE policy_domain = OLD.policy_domain)
        AND messages = 0 AND orgs = 0 AND NOT EXISTS (SELECT 1 FROM rollup_day d
        WHERE d.policy_domain = OLD.policy_domain AND d.day = OLD.day);
END;

-- days -> spans: sums by difference; first/last day and orgs grow here
CREATE TRIGGER rollup_domain_day_ov_insert AFTER INSERT ON rollup_domain_day BEGIN
    INSERT INTO rollup_domain_span(level, start, domain_id, messages, dmarc_pass, spf_aligned,
                                   dkim_aligned, forwarded, auth_failure, spoofing, first_day,
                                   last_day, orgs)
    SELECT l.level, NEW.day >> (2 * l.level), NEW.domain_id, NEW.messages, NEW.dmarc_pass,
           NEW.spf_aligned, NEW.dkim_aligned, NEW.forwarded, NEW.auth_failure, NEW.spoofing,
           CASE WHEN NEW.messages <> 0 THEN NEW.day END, CASE WHEN NEW.messages <> 0 THEN NEW.day END,
           NEW.orgs
    FROM (SELECT 1 AS level UNION ALL SELECT 2 UNION ALL SELECT 3) l WHERE true
    ON CONFLICT (level, start, domain_id) DO UPDATE SET
        messages = messages + excluded.messages, dmarc_pass = dmarc_pass + excluded.dmarc_pass,
        spf_aligned = spf_aligned + excluded.spf_aligned,
        dkim_aligned = dkim_aligned + excluded.dkim_aligned,
        forwarded = forwarded + excluded.forwarded,
        auth_failure = auth_failure + excluded.auth_failure, spoofing = spoofing + excluded.spoofing,
        first_day = CASE WHEN excluded.first_day IS NULL THEN first_day WHEN first_day IS NULL
                    OR excluded.first_day < first_day THEN excluded.first_day ELSE first_day END,
        last_day = CASE WHEN excluded.last_day IS NULL THEN last_day WHEN last_day IS NULL
                   OR excluded.last_day > last_day THEN excluded.last_day ELSE last_day END,
        orgs = orgs | excluded.orgs;
END;

CREATE TRIGGER rollup_domain_day_ov_update AFTER UPDATE ON rollup_domain_day BEGIN
    UPDATE rollup_domain_span SET messages = messages + NEW.messages - OLD.messages,
        dmarc_pass = dmarc_pass + NEW.dmarc_pass - OLD.dmarc_pass,
        spf_aligned = spf_aligned + NEW.spf_aligned - OLD.spf_aligned,
        dkim_aligned = dkim_aligned + NEW.dkim_aligned - OLD.dkim_aligned,
        forwarded = forwarded + NEW.forwarded - OLD.forwarded,
        auth_failure = auth_failure + NEW.auth_failure - OLD.auth_failure,
        spoofing = spoofing + NEW.spoofing - OLD.spoofing,
        first_day = CASE WHEN NEW.messages <> 0 AND (first_day IS NULL OR NEW.day < first_day)
                    THEN NEW.day ELSE first_day END,
        last_day = CASE WHEN NEW.messages <> 0 AND (last_day IS NULL OR NEW.day > last_day)
                   THEN NEW.day ELSE last_day END,
        orgs = orgs | NEW.orgs
    WHERE (level = 1 AND start = NEW.day >> 2 AND domain_id = NEW.domain_id)
       OR (level = 2 AND start = NEW.day >> 4 AND domain_id = NEW.domain_id)
       OR (level = 3 AND start = NEW.day >> 6 AND domain_id = NEW.domain_id);
END;

-- a day that lost messages or orgs, or went: the spans' first/last day and
-- orgs read again from their day rows
CREATE TRIGGER rollup_domain_day_ov_shrink AFTER UPDATE ON rollup_domain_day
WHEN (OLD.orgs & ~NEW.orgs) <> 0 OR (OLD.messages <> 0 AND NEW.messages = 0) BEGIN
    UPDATE rollup_domain_span SET
        first_day = (SELECT min(x.day) FROM rollup_domain_day x WHERE x.domain_id = NEW.domain_id
            AND x.day >= rollup_domain_span.start << (2 * rollup_domain_span.level)
            AND x.day < (rollup_domain_span.start + 1) << (2 * rollup_domain_span.level)
            AND x.messages <> 0),
        last_day = (SELECT max(x.day) FROM rollup_domain_day x WHERE x.domain_id = NEW.domain_id
            AND x.day >= rollup_domain_span.start << (2 * rollup_domain_span.level)
            AND x.day < (rollup_domain_span.start + 1) << (2 * rollup_domain_span.level)
            AND x.messages <> 0),
        orgs = coalesce((SELECT coalesce(sum(CASE WHEN b.bit < 1 << 62 THEN b.bit END), 0) | max(b.bit)
            FROM ov_reporter b WHERE b.domain_id = NEW.domain_id AND EXISTS (
            SELECT 1 FROM rollup_domain_day x WHERE x.domain_id = NEW.domain_id
            AND x.day >= rollup_domain_span.start << (2 * rollup_domain_span.level)
            AND x.day < (rollup_domain_span.start + 1) << (2 * rollup_domain_span.level)
            AND x.orgs & b.bit <> 0)), 0)
    WHERE (level = 1 AND start = NEW.day >> 2 AND domain_id = NEW.domain_id)
       OR (level = 2 AND start = NEW.day >> 4 AND domain_id = NEW.domain_id)
       OR (level = 3 AND start = NEW.day >> 6 AND domain_id = NEW.domain_id);
END;

CREATE TRIGGER rollup_domain_day_ov_delete AFTER DELETE ON rollup_domain_day BEGIN
    UPDATE rollup_domain_span SET messages = messages - OLD.messages,
        dmarc_pass = dmarc_pass - OLD.dmarc_pass, spf_aligned = spf_aligned - OLD.spf_aligned,
        dkim_aligned = dkim_aligned - OLD.dkim_aligned, forwarded = forwarded - OLD.forwarded,
        auth_failure = auth_failure - OLD.auth_failure, spoofing = spoofing - OLD.spoofing,
        first_day = (SELECT min(x.day) FROM rollup_domain_day x WHERE x.domain_id = OLD.domain_id
            AND x.day >= rollup_domain_span.start << (2 * rollup_domain_span.level)
            AND x.day < (rollup_domain_span.start + 1) << (2 * rollup_domain_span.level)
            AND x.messages <> 0),
        last_day = (SELECT max(x.day) FROM rollup_domain_day x WHERE x.domain_id = OLD.domain_id
            AND x.day >= rollup_domain_span.start << (2 * rollup_domain_span.level)
            AND x.day < (rollup_domain_span.start + 1) << (2 * rollup_domain_span.level)
            AND x.messages <> 0),
        orgs = coalesce((SELECT coalesce(sum(CASE WHEN b.bit < 1 << 62 THEN b.bit END), 0) | max(b.bit)
            FROM ov_reporter b WHERE b.domain_id = OLD.domain_id AND EXISTS (
            SELECT 1 FROM rollup_domain_day x WHERE x.domain_id = OLD.domain_id
            AND x.day >= rollup_domain_span.start << (2 * rollup_domain_span.level)
            AND x.day < (rollup_domain_span.start + 1) << (2 * rollup_domain_span.level)
            AND x.orgs & b.bit <> 0)), 0)
    WHERE (level = 1 AND start = OLD.day >> 2 AND domain_id = OLD.domain_id)
       OR (level = 2 AND start = OLD.day >> 4 AND domain_id = OLD.domain_id)
       OR (level = 3 AND start = OLD.day >> 6 AND domain_id = OLD.domain_id);
    DELETE FROM rollup_domain_span WHERE ((level = 1 AND start = OLD.day >> 2)
        OR (level = 2 AND start = OLD.day >> 4) OR (level = 3 AND start = OLD.day >> 6))
        AND domain_id = OLD.domain_id AND NOT EXISTS (SELECT 1 FROM rollup_domain_day x
        WHERE x.domain_id = OLD.domain_id AND x.day >= rollup_domain_span.start << (2 * rollup_domain_span.level)
        AND x.day < (rollup_domain_span.start + 1) << (2 * rollup_domain_span.level));
END;
