-- 014_overview.sql: the domains overview (issue 19) reads three small tables
-- instead of rollup_day, so its first page over 10,000 domains stays cheap:
--   domain_summary     one row per policy domain with reports: how many, their
--                      messages, the first and the last report and the policy
--                      it published (p, sp, np, pct, t): the overview's and
--                      GET domains' list, the "silent" flag
--   rollup_domain_day  one row per policy domain and UTC day: the day's
--                      messages, DMARC pass, SPF and DKIM aligned, and the
--                      messages per class
--   rollup_domain_block the same per 8-day block (block = day / 8), with the
--                      first and last day of the block that has messages: a
--                      90-day period is at most 11 blocks and 14 days a domain
--                      instead of 90 days
-- Both are keyed by the day (block) first: a period's rows are three ranges of
-- their primary keys, read in order without a seek per domain
-- (store_sqlite_web_overview.c sums them in C).
-- All are kept by triggers, so every writer (ingest, reanalysis, retention
-- purge) keeps them exact without knowing of them: rollup_domain_day follows
-- rollup_day (insert, upsert, delete), rollup_domain_block follows
-- rollup_domain_day, domain_summary follows reports.  The
-- definitions of the sums are stats.c's: DMARC pass is class normal (0),
-- aligned is spf_cat / dkim_cat 0, classes 1 forwarded, 2 auth failure (My
-- Senders and known services), 3 spoofing suspected.

CREATE TABLE domain_summary (
    policy_domain TEXT PRIMARY KEY,
    reports       INTEGER NOT NULL,
    first_begin   INTEGER NOT NULL,
    last_begin    INTEGER NOT NULL,
    last_end      INTEGER NOT NULL,     -- the end of the report that began last
    p             TEXT,                 -- that report's published policy
    sp            TEXT,
    np            TEXT,
    pct           INTEGER,
    testing       TEXT,
    messages      INTEGER NOT NULL DEFAULT 0  -- the reports' messages (the domain list, GET domains)
) WITHOUT ROWID;

CREATE TABLE rollup_domain_day (
    policy_domain TEXT NOT NULL,
    day           INTEGER NOT NULL,     -- UTC day (unix seconds / 86400)
    messages      INTEGER NOT NULL DEFAULT 0,
    dmarc_pass    INTEGER NOT NULL DEFAULT 0,
    spf_aligned   INTEGER NOT NULL DEFAULT 0,
    dkim_aligned  INTEGER NOT NULL DEFAULT 0,
    forwarded     INTEGER NOT NULL DEFAULT 0,
    auth_failure  INTEGER NOT NULL DEFAULT 0,
    spoofing      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, policy_domain)      -- a period's rows are one range, whatever the domains
) WITHOUT ROWID;
-- one domain's days (the sparkline, the blocks' first and last day)
CREATE INDEX rollup_domain_day_domain ON rollup_domain_day(policy_domain, day);

INSERT INTO domain_summary(policy_domain, reports, first_begin, last_begin, last_end, messages)
SELECT policy_domain, count(*), min(date_begin), max(date_begin), 0, sum(message_count)
FROM reports r GROUP BY policy_domain;
UPDATE domain_summary SET (last_end, p, sp, np, pct, testing) = (SELECT r.date_end, r.p, r.sp, r.np,
    r.pct, r.testing FROM reports r WHERE r.policy_domain = domain_summary.policy_domain
    ORDER BY r.date_begin DESC, r.id DESC LIMIT 1);

CREATE TABLE rollup_domain_block (
    policy_domain TEXT NOT NULL,
    block         INTEGER NOT NULL,     -- UTC day / 8
    messages      INTEGER NOT NULL DEFAULT 0,
    dmarc_pass    INTEGER NOT NULL DEFAULT 0,
    spf_aligned   INTEGER NOT NULL DEFAULT 0,
    dkim_aligned  INTEGER NOT NULL DEFAULT 0,
    forwarded     INTEGER NOT NULL DEFAULT 0,
    auth_failure  INTEGER NOT NULL DEFAULT 0,
    spoofing      INTEGER NOT NULL DEFAULT 0,
    first_day     INTEGER,              -- first and last day of the block with messages
    last_day      INTEGER,
    PRIMARY KEY (block, policy_domain)
) WITHOUT ROWID;

INSERT INTO rollup_domain_day(policy_domain, day, messages, dmarc_pass, spf_aligned, dkim_aligned,
                              forwarded, auth_failure, spoofing)
SELECT policy_domain, day, sum(messages),
       sum(CASE WHEN cls = 0 THEN messages ELSE 0 END),
       sum(CASE WHEN spf_cat = 0 THEN messages ELSE 0 END),
       sum(CASE WHEN dkim_cat = 0 THEN messages ELSE 0 END),
       sum(CASE WHEN cls = 1 THEN messages ELSE 0 END),
       sum(CASE WHEN cls = 2 THEN messages ELSE 0 END),
       sum(CASE WHEN cls NOT IN (0, 1, 2) THEN messages ELSE 0 END)
FROM rollup_day GROUP BY policy_domain, day;

INSERT INTO rollup_domain_block(policy_domain, block, messages, dmarc_pass, spf_aligned, dkim_aligned,
                                forwarded, auth_failure, spoofing, first_day, last_day)
SELECT policy_domain, day / 8, sum(messages), sum(dmarc_pass), sum(spf_aligned), sum(dkim_aligned),
       sum(forwarded), sum(auth_failure), sum(spoofing),
       min(CASE WHEN messages <> 0 THEN day END), max(CASE WHEN messages <> 0 THEN day END)
FROM rollup_domain_day GROUP BY policy_domain, day / 8;

CREATE TRIGGER rollup_day_ov_insert AFTER INSERT ON rollup_day BEGIN
    INSERT INTO rollup_domain_day(policy_domain, day, messages, dmarc_pass, spf_aligned,
                                  dkim_aligned, forwarded, auth_failure, spoofing)
    VALUES (NEW.policy_domain, NEW.day, NEW.messages,
            CASE WHEN NEW.cls = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.spf_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.dkim_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 1 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 2 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls NOT IN (0, 1, 2) THEN NEW.messages ELSE 0 END)
    ON CONFLICT (day, policy_domain) DO UPDATE SET
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
    WHERE policy_domain = OLD.policy_domain AND day = OLD.day;
    DELETE FROM rollup_domain_day WHERE policy_domain = OLD.policy_domain AND day = OLD.day
        AND messages = 0 AND NOT EXISTS (SELECT 1 FROM rollup_day d
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
    WHERE policy_domain = OLD.policy_domain AND day = OLD.day;
    INSERT INTO rollup_domain_day(policy_domain, day, messages, dmarc_pass, spf_aligned,
                                  dkim_aligned, forwarded, auth_failure, spoofing)
    VALUES (NEW.policy_domain, NEW.day, NEW.messages,
            CASE WHEN NEW.cls = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.spf_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.dkim_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 1 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 2 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls NOT IN (0, 1, 2) THEN NEW.messages ELSE 0 END)
    ON CONFLICT (day, policy_domain) DO UPDATE SET
        messages = messages + excluded.messages, dmarc_pass = dmarc_pass + excluded.dmarc_pass,
        spf_aligned = spf_aligned + excluded.spf_aligned,
        dkim_aligned = dkim_aligned + excluded.dkim_aligned,
        forwarded = forwarded + excluded.forwarded,
        auth_failure = auth_failure + excluded.auth_failure, spoofing = spoofing + excluded.spoofing;
END;

-- the blocks follow the days: sums by difference; the first and last day
-- with messages grow with a day that has messages (ingest), and are read
-- again from the block's (at most 8) day rows when a day drops to none
-- (reanalysis, purge)
CREATE TRIGGER rollup_domain_day_ov_insert AFTER INSERT ON rollup_domain_day BEGIN
    INSERT INTO rollup_domain_block(policy_domain, block, messages, dmarc_pass, spf_aligned,
                                    dkim_aligned, forwarded, auth_failure, spoofing, first_day,
                                    last_day)
    VALUES (NEW.policy_domain, NEW.day / 8, NEW.messages, NEW.dmarc_pass, NEW.spf_aligned,
            NEW.dkim_aligned, NEW.forwarded, NEW.auth_failure, NEW.spoofing,
            CASE WHEN NEW.messages <> 0 THEN NEW.day END, CASE WHEN NEW.messages <> 0 THEN NEW.day END)
    ON CONFLICT (block, policy_domain) DO UPDATE SET
        messages = messages + excluded.messages, dmarc_pass = dmarc_pass + excluded.dmarc_pass,
        spf_aligned = spf_aligned + excluded.spf_aligned,
        dkim_aligned = dkim_aligned + excluded.dkim_aligned,
        forwarded = forwarded + excluded.forwarded,
        auth_failure = auth_failure + excluded.auth_failure, spoofing = spoofing + excluded.spoofing,
        first_day = CASE WHEN excluded.first_day IS NULL THEN first_day WHEN first_day IS NULL
                    OR excluded.first_day < first_day THEN excluded.first_day ELSE first_day END,
        last_day = CASE WHEN excluded.last_day IS NULL THEN last_day WHEN last_day IS NULL
                   OR excluded.last_day > last_day THEN excluded.last_day ELSE last_day END;
END;

CREATE TRIGGER rollup_domain_day_ov_update AFTER UPDATE ON rollup_domain_day
WHEN NEW.messages <> 0 BEGIN
    UPDATE rollup_domain_block SET messages = messages + NEW.messages - OLD.messages,
        dmarc_pass = dmarc_pass + NEW.dmarc_pass - OLD.dmarc_pass,
        spf_aligned = spf_aligned + NEW.spf_aligned - OLD.spf_aligned,
        dkim_aligned = dkim_aligned + NEW.dkim_aligned - OLD.dkim_aligned,
        forwarded = forwarded + NEW.forwarded - OLD.forwarded,
        auth_failure = auth_failure + NEW.auth_failure - OLD.auth_failure,
        spoofing = spoofing + NEW.spoofing - OLD.spoofing,
        first_day = CASE WHEN first_day IS NULL OR NEW.day < first_day THEN NEW.day ELSE first_day END,
        last_day = CASE WHEN last_day IS NULL OR NEW.day > last_day THEN NEW.day ELSE last_day END
    WHERE policy_domain = NEW.policy_domain AND block = NEW.day / 8;
END;

CREATE TRIGGER rollup_domain_day_ov_update_none AFTER UPDATE ON rollup_domain_day
WHEN NEW.messages = 0 BEGIN
    UPDATE rollup_domain_block SET messages = messages + NEW.messages - OLD.messages,
        dmarc_pass = dmarc_pass + NEW.dmarc_pass - OLD.dmarc_pass,
        spf_aligned = spf_aligned + NEW.spf_aligned - OLD.spf_aligned,
        dkim_aligned = dkim_aligned + NEW.dkim_aligned - OLD.dkim_aligned,
        forwarded = forwarded + NEW.forwarded - OLD.forwarded,
        auth_failure = auth_failure + NEW.auth_failure - OLD.auth_failure,
        spoofing = spoofing + NEW.spoofing - OLD.spoofing,
        first_day = (SELECT min(day) FROM rollup_domain_day WHERE policy_domain = NEW.policy_domain
                     AND day >= NEW.day / 8 * 8 AND day < NEW.day / 8 * 8 + 8 AND messages <> 0),
        last_day = (SELECT max(day) FROM rollup_domain_day WHERE policy_domain = NEW.policy_domain
                    AND day >= NEW.day / 8 * 8 AND day < NEW.day / 8 * 8 + 8 AND messages <> 0)
    WHERE policy_domain = NEW.policy_domain AND block = NEW.day / 8;
END;

CREATE TRIGGER rollup_domain_day_ov_delete AFTER DELETE ON rollup_domain_day BEGIN
    UPDATE rollup_domain_block SET messages = messages - OLD.messages,
        dmarc_pass = dmarc_pass - OLD.dmarc_pass, spf_aligned = spf_aligned - OLD.spf_aligned,
        dkim_aligned = dkim_aligned - OLD.dkim_aligned, forwarded = forwarded - OLD.forwarded,
        auth_failure = auth_failure - OLD.auth_failure, spoofing = spoofing - OLD.spoofing,
        first_day = (SELECT min(day) FROM rollup_domain_day WHERE policy_domain = OLD.policy_domain
                     AND day >= OLD.day / 8 * 8 AND day < OLD.day / 8 * 8 + 8 AND messages <> 0),
        last_day = (SELECT max(day) FROM rollup_domain_day WHERE policy_domain = OLD.policy_domain
                    AND day >= OLD.day / 8 * 8 AND day < OLD.day / 8 * 8 + 8 AND messages <> 0)
    WHERE policy_domain = OLD.policy_domain AND block = OLD.day / 8;
    DELETE FROM rollup_domain_block WHERE policy_domain = OLD.policy_domain AND block = OLD.day / 8
        AND NOT EXISTS (SELECT 1 FROM rollup_domain_day d WHERE d.policy_domain = OLD.policy_domain
        AND d.day >= OLD.day / 8 * 8 AND d.day < OLD.day / 8 * 8 + 8);
END;

CREATE TRIGGER reports_ov_insert AFTER INSERT ON reports BEGIN
    INSERT INTO domain_summary(policy_domain, reports, first_begin, last_begin, last_end, p, sp, np,
                               pct, testing, messages)
    VALUES (NEW.policy_domain, 1, NEW.date_begin, NEW.date_begin, NEW.date_end, NEW.p, NEW.sp,
            NEW.np, NEW.pct, NEW.testing, NEW.message_count)
    ON CONFLICT (policy_domain) DO UPDATE SET reports = reports + 1,
        messages = messages + excluded.messages,
        first_begin = min(first_begin, excluded.first_begin),
        last_end = CASE WHEN excluded.last_begin >= last_begin THEN excluded.last_end
                   ELSE last_end END,
        p = CASE WHEN excluded.last_begin >= last_begin THEN excluded.p ELSE p END,
        sp = CASE WHEN excluded.last_begin >= last_begin THEN excluded.sp ELSE sp END,
        np = CASE WHEN excluded.last_begin >= last_begin THEN excluded.np ELSE np END,
        pct = CASE WHEN excluded.last_begin >= last_begin THEN excluded.pct ELSE pct END,
        testing = CASE WHEN excluded.last_begin >= last_begin THEN excluded.testing ELSE testing END,
        last_begin = max(last_begin, excluded.last_begin);
END;

-- the counts of a report are written after its records
CREATE TRIGGER reports_ov_count AFTER UPDATE OF message_count ON reports BEGIN
    UPDATE domain_summary SET messages = messages + NEW.message_count - OLD.message_count
    WHERE policy_domain = NEW.policy_domain;
END;

CREATE TRIGGER reports_ov_delete AFTER DELETE ON reports BEGIN
    UPDATE domain_summary SET reports = reports - 1, messages = messages - OLD.message_count,
        first_begin = coalesce((SELECT min(date_begin) FROM reports
                                WHERE policy_domain = OLD.policy_domain), first_begin),
        last_begin = coalesce((SELECT max(date_begin) FROM reports
                               WHERE policy_domain = OLD.policy_domain), last_begin),
        last_end = coalesce((SELECT date_end FROM reports WHERE policy_domain = OLD.policy_domain
                             ORDER BY date_begin DESC, id DESC LIMIT 1), last_end)
    WHERE policy_domain = OLD.policy_domain;
    UPDATE domain_summary SET (p, sp, np, pct, testing) = (SELECT r.p, r.sp, r.np, r.pct, r.testing
        FROM reports r WHERE r.policy_domain = OLD.policy_domain ORDER BY r.date_begin DESC, r.id DESC
        LIMIT 1)
    WHERE policy_domain = OLD.policy_domain AND EXISTS (SELECT 1 FROM reports
        WHERE policy_domain = OLD.policy_domain);
    DELETE FROM domain_summary WHERE policy_domain = OLD.policy_domain AND reports <= 0;
END;
