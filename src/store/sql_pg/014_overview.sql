-- sql_pg/014_overview.sql: the PostgreSQL form of sql/014_overview.sql, one to one (same tables, columns,
-- keys and indexes; INTEGER -> bigint, TEXT -> text; the SQLite triggers become PL/pgSQL
-- trigger functions with the same effects row for row).  Keep the two in step.
-- 014_overview.sql: the domains overview (issue 19) reads three small tables
-- instead of rollup_day: domain_summary (one row per policy domain with
-- reports), rollup_domain_day (per domain and UTC day) and
-- rollup_domain_block (per 8-day block), all kept by triggers so that every
-- writer (ingest, reanalysis, retention purge) keeps them exact.  See the
-- SQLite file for the meanings.  PostgreSQL fires row triggers at the end of
-- each statement, not after each row as SQLite does: a multi-row delete on
-- rollup_day then sees its rows gone already, which ends in the same rows
-- (a day row goes when its messages reach 0 and no rollup_day row is left).

CREATE TABLE domain_summary (
    policy_domain text PRIMARY KEY,
    reports       bigint NOT NULL,
    first_begin   bigint NOT NULL,
    last_begin    bigint NOT NULL,
    last_end      bigint NOT NULL,      -- the end of the report that began last
    p             text,                 -- that report's published policy
    sp            text,
    np            text,
    pct           bigint,
    testing       text,
    messages      bigint NOT NULL DEFAULT 0  -- the reports' messages (the domain list, GET domains)
);

CREATE TABLE rollup_domain_day (
    policy_domain text NOT NULL,
    day           bigint NOT NULL,      -- UTC day (unix seconds / 86400)
    messages      bigint NOT NULL DEFAULT 0,
    dmarc_pass    bigint NOT NULL DEFAULT 0,
    spf_aligned   bigint NOT NULL DEFAULT 0,
    dkim_aligned  bigint NOT NULL DEFAULT 0,
    forwarded     bigint NOT NULL DEFAULT 0,
    auth_failure  bigint NOT NULL DEFAULT 0,
    spoofing      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, policy_domain)      -- a period's rows are one range, whatever the domains
);
-- one domain's days (the sparkline, the blocks' first and last day)
CREATE INDEX rollup_domain_day_domain ON rollup_domain_day(policy_domain, day);

INSERT INTO domain_summary(policy_domain, reports, first_begin, last_begin, last_end, messages)
SELECT policy_domain, count(*), min(date_begin), max(date_begin), 0, sum(message_count)
FROM reports r GROUP BY policy_domain;
UPDATE domain_summary SET (last_end, p, sp, np, pct, testing) = (SELECT r.date_end, r.p, r.sp, r.np,
    r.pct, r.testing FROM reports r WHERE r.policy_domain = domain_summary.policy_domain
    ORDER BY r.date_begin DESC, r.id DESC LIMIT 1);

CREATE TABLE rollup_domain_block (
    policy_domain text NOT NULL,
    block         bigint NOT NULL,      -- UTC day / 8
    messages      bigint NOT NULL DEFAULT 0,
    dmarc_pass    bigint NOT NULL DEFAULT 0,
    spf_aligned   bigint NOT NULL DEFAULT 0,
    dkim_aligned  bigint NOT NULL DEFAULT 0,
    forwarded     bigint NOT NULL DEFAULT 0,
    auth_failure  bigint NOT NULL DEFAULT 0,
    spoofing      bigint NOT NULL DEFAULT 0,
    first_day     bigint,               -- first and last day of the block with messages
    last_day      bigint,
    PRIMARY KEY (block, policy_domain)
);

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

-- rollup_day -> rollup_domain_day: add NEW (insert, update), take OLD off
-- (update, delete); a day row without messages and without rollup_day rows goes
CREATE FUNCTION rollup_day_ov() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE rollup_domain_day SET messages = messages - OLD.messages,
            dmarc_pass = dmarc_pass - CASE WHEN OLD.cls = 0 THEN OLD.messages ELSE 0 END,
            spf_aligned = spf_aligned - CASE WHEN OLD.spf_cat = 0 THEN OLD.messages ELSE 0 END,
            dkim_aligned = dkim_aligned - CASE WHEN OLD.dkim_cat = 0 THEN OLD.messages ELSE 0 END,
            forwarded = forwarded - CASE WHEN OLD.cls = 1 THEN OLD.messages ELSE 0 END,
            auth_failure = auth_failure - CASE WHEN OLD.cls = 2 THEN OLD.messages ELSE 0 END,
            spoofing = spoofing - CASE WHEN OLD.cls NOT IN (0, 1, 2) THEN OLD.messages ELSE 0 END
        WHERE policy_domain = OLD.policy_domain AND day = OLD.day;
    END IF;
    IF TG_OP = 'DELETE' THEN
        DELETE FROM rollup_domain_day WHERE policy_domain = OLD.policy_domain AND day = OLD.day
            AND messages = 0 AND NOT EXISTS (SELECT 1 FROM rollup_day d
            WHERE d.policy_domain = OLD.policy_domain AND d.day = OLD.day);
        RETURN NULL;
    END IF;
    INSERT INTO rollup_domain_day AS t(policy_domain, day, messages, dmarc_pass, spf_aligned,
                                       dkim_aligned, forwarded, auth_failure, spoofing)
    VALUES (NEW.policy_domain, NEW.day, NEW.messages,
            CASE WHEN NEW.cls = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.spf_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.dkim_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 1 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 2 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls NOT IN (0, 1, 2) THEN NEW.messages ELSE 0 END)
    ON CONFLICT (day, policy_domain) DO UPDATE SET
        messages = t.messages + excluded.messages, dmarc_pass = t.dmarc_pass + excluded.dmarc_pass,
        spf_aligned = t.spf_aligned + excluded.spf_aligned,
        dkim_aligned = t.dkim_aligned + excluded.dkim_aligned,
        forwarded = t.forwarded + excluded.forwarded,
        auth_failure = t.auth_failure + excluded.auth_failure, spoofing = t.spoofing + excluded.spoofing;
    RETURN NULL;
END $$;

CREATE TRIGGER rollup_day_ov_insert AFTER INSERT ON rollup_day
    FOR EACH ROW EXECUTE FUNCTION rollup_day_ov();
CREATE TRIGGER rollup_day_ov_delete AFTER DELETE ON rollup_day
    FOR EACH ROW EXECUTE FUNCTION rollup_day_ov();
-- an upsert's DO UPDATE (ingest adds to an existing row) and any other change
CREATE TRIGGER rollup_day_ov_update AFTER UPDATE ON rollup_day
    FOR EACH ROW EXECUTE FUNCTION rollup_day_ov();

-- the blocks follow the days: sums by difference; the first and last day
-- with messages grow with a day that has messages (ingest), and are read
-- again from the block's (at most 8) day rows when a day drops to none
-- (reanalysis, purge)
CREATE FUNCTION rollup_domain_day_ov_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_domain_block AS b(policy_domain, block, messages, dmarc_pass, spf_aligned,
                                         dkim_aligned, forwarded, auth_failure, spoofing, first_day,
                                         last_day)
    VALUES (NEW.policy_domain, NEW.day / 8, NEW.messages, NEW.dmarc_pass, NEW.spf_aligned,
            NEW.dkim_aligned, NEW.forwarded, NEW.auth_failure, NEW.spoofing,
            CASE WHEN NEW.messages <> 0 THEN NEW.day END, CASE WHEN NEW.messages <> 0 THEN NEW.day END)
    ON CONFLICT (block, policy_domain) DO UPDATE SET
        messages = b.messages + excluded.messages, dmarc_pass = b.dmarc_pass + excluded.dmarc_pass,
        spf_aligned = b.spf_aligned + excluded.spf_aligned,
        dkim_aligned = b.dkim_aligned + excluded.dkim_aligned,
        forwarded = b.forwarded + excluded.forwarded,
        auth_failure = b.auth_failure + excluded.auth_failure, spoofing = b.spoofing + excluded.spoofing,
        first_day = CASE WHEN excluded.first_day IS NULL THEN b.first_day WHEN b.first_day IS NULL
                    OR excluded.first_day < b.first_day THEN excluded.first_day ELSE b.first_day END,
        last_day = CASE WHEN excluded.last_day IS NULL THEN b.last_day WHEN b.last_day IS NULL
                   OR excluded.last_day > b.last_day THEN excluded.last_day ELSE b.last_day END;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_domain_day_ov_insert AFTER INSERT ON rollup_domain_day
    FOR EACH ROW EXECUTE FUNCTION rollup_domain_day_ov_insert();

CREATE FUNCTION rollup_domain_day_ov_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_domain_day_ov_update AFTER UPDATE ON rollup_domain_day
    FOR EACH ROW WHEN (NEW.messages <> 0) EXECUTE FUNCTION rollup_domain_day_ov_update();

-- a day dropped to no messages (update) or gone (delete): the block's first
-- and last day read again; a block without day rows goes
CREATE FUNCTION rollup_domain_day_ov_none() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
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
        RETURN NULL;
    END IF;
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
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_domain_day_ov_update_none AFTER UPDATE ON rollup_domain_day
    FOR EACH ROW WHEN (NEW.messages = 0) EXECUTE FUNCTION rollup_domain_day_ov_none();
CREATE TRIGGER rollup_domain_day_ov_delete AFTER DELETE ON rollup_domain_day
    FOR EACH ROW EXECUTE FUNCTION rollup_domain_day_ov_none();

CREATE FUNCTION reports_ov_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO domain_summary AS s(policy_domain, reports, first_begin, last_begin, last_end, p, sp,
                                    np, pct, testing, messages)
    VALUES (NEW.policy_domain, 1, NEW.date_begin, NEW.date_begin, NEW.date_end, NEW.p, NEW.sp,
            NEW.np, NEW.pct, NEW.testing, NEW.message_count)
    ON CONFLICT (policy_domain) DO UPDATE SET reports = s.reports + 1,
        messages = s.messages + excluded.messages,
        first_begin = LEAST(s.first_begin, excluded.first_begin),
        last_end = CASE WHEN excluded.last_begin >= s.last_begin THEN excluded.last_end
                   ELSE s.last_end END,
        p = CASE WHEN excluded.last_begin >= s.last_begin THEN excluded.p ELSE s.p END,
        sp = CASE WHEN excluded.last_begin >= s.last_begin THEN excluded.sp ELSE s.sp END,
        np = CASE WHEN excluded.last_begin >= s.last_begin THEN excluded.np ELSE s.np END,
        pct = CASE WHEN excluded.last_begin >= s.last_begin THEN excluded.pct ELSE s.pct END,
        testing = CASE WHEN excluded.last_begin >= s.last_begin THEN excluded.testing
                  ELSE s.testing END,
        last_begin = GREATEST(s.last_begin, excluded.last_begin);
    RETURN NULL;
END $$;
CREATE TRIGGER reports_ov_insert AFTER INSERT ON reports
    FOR EACH ROW EXECUTE FUNCTION reports_ov_insert();

-- the counts of a report are written after its records
CREATE FUNCTION reports_ov_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE domain_summary SET messages = messages + NEW.message_count - OLD.message_count
    WHERE policy_domain = NEW.policy_domain;
    RETURN NULL;
END $$;
CREATE TRIGGER reports_ov_count AFTER UPDATE OF message_count ON reports
    FOR EACH ROW EXECUTE FUNCTION reports_ov_count();

CREATE FUNCTION reports_ov_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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
    RETURN NULL;
END $$;
CREATE TRIGGER reports_ov_delete AFTER DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION reports_ov_delete();
