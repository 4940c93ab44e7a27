-- sql_pg/027_summary_stage.sql: domain_summary (014) through a stage in a grouped ingest, so that
-- grouped transactions of several ingest processes or nodes can write side by side.
--
-- 014's row triggers on reports upsert the report's domain_summary row when the report is stored,
-- so a grouped transaction (group commit: up to 256 messages) held one row lock per domain it had
-- seen, taken in the order of its messages; two of them, each holding a domain the other wanted,
-- deadlocked.  Until now a grouped transaction therefore took one advisory lock for its whole
-- length (store_pg.c), and two grouped ingests took turns.
--
-- Now a grouped transaction sets dmarcscope.stage = 'on' (set_config, local to the transaction)
-- at its first message.  The triggers then put the report's numbers in stage_summary (UNLOGGED,
-- no key: never committed, each transaction moves the rows it sees) instead of domain_summary;
-- domain_summary_settle() moves them in domain order before the COMMIT, with the rollups'
-- settles (store_pg_batch.c), under the advisory lock, which now covers only that last part.
-- A report's numbers in the stage: reports 1, its messages, its begin, end and policy, and its
-- id (rid, the tie-break of 014: of the reports that began last, the last stored gives the
-- policy); a later change of its message count: reports 0, the difference, rid NULL.
-- Sessions that do not set it (one-message transactions, reanalysis, purge, other clients) keep
-- 014's behaviour.  A report deleted in a staging transaction first settles its domain's stage.
-- Nothing on SQLite (one writer at a time): its 027 is empty.

CREATE UNLOGGED TABLE stage_summary (
    policy_domain text NOT NULL,
    rid           bigint,
    reports       bigint NOT NULL,
    messages      bigint NOT NULL,
    date_begin    bigint,
    date_end      bigint,
    p text, sp text, np text, pct bigint, testing text
);

-- the stage's rows of one domain (only_domain) or of all into domain_summary, in domain order
CREATE FUNCTION domain_summary_settle(only_domain text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    WITH d AS (DELETE FROM stage_summary
               WHERE only_domain IS NULL OR policy_domain = only_domain RETURNING *),
    g AS (SELECT policy_domain, sum(reports) AS reports, sum(messages) AS messages,
                 min(date_begin) AS first_begin
          FROM d GROUP BY policy_domain),
    w AS (SELECT DISTINCT ON (policy_domain) policy_domain, date_begin, date_end, p, sp, np, pct,
                 testing
          FROM d WHERE rid IS NOT NULL ORDER BY policy_domain, date_begin DESC, rid DESC)
    INSERT INTO domain_summary AS s(policy_domain, reports, first_begin, last_begin, last_end, p,
                                    sp, np, pct, testing, messages)
    SELECT g.policy_domain, g.reports, coalesce(g.first_begin, 0), coalesce(w.date_begin, 0),
           coalesce(w.date_end, 0), w.p, w.sp, w.np, w.pct, w.testing, g.messages
    FROM g LEFT JOIN w ON w.policy_domain = g.policy_domain
    ORDER BY g.policy_domain
    ON CONFLICT (policy_domain) DO UPDATE SET reports = s.reports + excluded.reports,
        messages = s.messages + excluded.messages,
        first_begin = CASE WHEN excluded.reports > 0 THEN LEAST(s.first_begin, excluded.first_begin)
                      ELSE s.first_begin END,
        last_end = CASE WHEN excluded.reports > 0 AND excluded.last_begin >= s.last_begin
                   THEN excluded.last_end ELSE s.last_end END,
        p = CASE WHEN excluded.reports > 0 AND excluded.last_begin >= s.last_begin THEN excluded.p
            ELSE s.p END,
        sp = CASE WHEN excluded.reports > 0 AND excluded.last_begin >= s.last_begin THEN excluded.sp
             ELSE s.sp END,
        np = CASE WHEN excluded.reports > 0 AND excluded.last_begin >= s.last_begin THEN excluded.np
             ELSE s.np END,
        pct = CASE WHEN excluded.reports > 0 AND excluded.last_begin >= s.last_begin
              THEN excluded.pct ELSE s.pct END,
        testing = CASE WHEN excluded.reports > 0 AND excluded.last_begin >= s.last_begin
                  THEN excluded.testing ELSE s.testing END,
        last_begin = CASE WHEN excluded.reports > 0 THEN GREATEST(s.last_begin, excluded.last_begin)
                     ELSE s.last_begin END;
END $$;

CREATE OR REPLACE FUNCTION reports_ov_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dmarcscope.stage', true) = 'on' THEN
        INSERT INTO stage_summary VALUES (NEW.policy_domain, NEW.id, 1, NEW.message_count,
            NEW.date_begin, NEW.date_end, NEW.p, NEW.sp, NEW.np, NEW.pct, NEW.testing);
        RETURN NULL;
    END IF;
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

CREATE OR REPLACE FUNCTION reports_ov_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dmarcscope.stage', true) = 'on' THEN
        INSERT INTO stage_summary(policy_domain, rid, reports, messages)
        VALUES (NEW.policy_domain, NULL, 0, NEW.message_count - OLD.message_count);
        RETURN NULL;
    END IF;
    UPDATE domain_summary SET messages = messages + NEW.message_count - OLD.message_count
    WHERE policy_domain = NEW.policy_domain;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION reports_ov_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('dmarcscope.stage', true) = 'on' THEN
        PERFORM domain_summary_settle(OLD.policy_domain);
    END IF;
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
