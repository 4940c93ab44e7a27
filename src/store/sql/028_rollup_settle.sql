-- 028_rollup_settle.sql: a grouped ingest transaction settles its rollups once, before its COMMIT
-- (store_sqlite_stage.c), instead of by row triggers at every upsert.
--
-- 016's and 026's triggers on rollup_day keep the overview's day rows (rollup_domain_day, and
-- through its own triggers the spans) and 020's triggers on rollup_src keep rollup_src_span, one
-- trigger program per upserted row: about half of the writer's time on the mixed corpus (2,000
-- reports).  In a grouped transaction (group commit: a directory, an mbox, a backfill) the
-- writer now puts its rollup_day and rollup_src rows into two TEMP tables, and before the COMMIT
-- moves their sums in a few statements: the overview's day rows and the source spans grouped
-- (each day and span row once per transaction), then rollup_day and rollup_src themselves.
-- While it does so the transaction holds a row in rollup_settling, and the insert and update
-- triggers below do nothing (their WHEN); the row is deleted before the COMMIT, so no other
-- connection ever sees it, and a failed settle rolls it back with the rest.  Everything else
-- (one-message transactions, reanalysis, purge, other SQLite clients) runs the triggers as
-- before.  (A trigger on a main table can only read main tables: the flag cannot be TEMP.)
-- The delete triggers, 016's re-key update and 020's re-key trigger are unchanged: a settle only
-- adds to rows by their key.
-- Also: "cls NOT IN (0, 1, 2)" is now "cls NOT BETWEEN 0 AND 2" (the same for the integer cls):
-- SQLite builds a throwaway table for an IN list of three constants at every trigger run.

CREATE TABLE rollup_settling (
    active INTEGER NOT NULL
);

DROP TRIGGER rollup_day_ov_insert;
CREATE TRIGGER rollup_day_ov_insert AFTER INSERT ON rollup_day
WHEN NOT EXISTS (SELECT 1 FROM rollup_settling) BEGIN
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
            CASE WHEN NEW.cls NOT BETWEEN 0 AND 2 THEN NEW.messages ELSE 0 END)
    ON CONFLICT (day, domain_id) DO UPDATE SET
        messages = messages + excluded.messages, dmarc_pass = dmarc_pass + excluded.dmarc_pass,
        spf_aligned = spf_aligned + excluded.spf_aligned,
        dkim_aligned = dkim_aligned + excluded.dkim_aligned,
        forwarded = forwarded + excluded.forwarded,
        auth_failure = auth_failure + excluded.auth_failure, spoofing = spoofing + excluded.spoofing;
END;

DROP TRIGGER rollup_day_ov_delta;
CREATE TRIGGER rollup_day_ov_delta AFTER UPDATE ON rollup_day
WHEN NEW.policy_domain = OLD.policy_domain AND NEW.day = OLD.day AND NEW.cls = OLD.cls
    AND NEW.spf_cat = OLD.spf_cat AND NEW.dkim_cat = OLD.dkim_cat
    AND NEW.messages <> OLD.messages
    AND NOT EXISTS (SELECT 1 FROM rollup_settling) BEGIN
    UPDATE rollup_domain_day SET messages = messages + (NEW.messages - OLD.messages),
        dmarc_pass = dmarc_pass + CASE WHEN NEW.cls = 0 THEN NEW.messages - OLD.messages ELSE 0 END,
        spf_aligned = spf_aligned + CASE WHEN NEW.spf_cat = 0 THEN NEW.messages - OLD.messages ELSE 0 END,
        dkim_aligned = dkim_aligned + CASE WHEN NEW.dkim_cat = 0 THEN NEW.messages - OLD.messages ELSE 0 END,
        forwarded = forwarded + CASE WHEN NEW.cls = 1 THEN NEW.messages - OLD.messages ELSE 0 END,
        auth_failure = auth_failure + CASE WHEN NEW.cls = 2 THEN NEW.messages - OLD.messages ELSE 0 END,
        spoofing = spoofing + CASE WHEN NEW.cls NOT BETWEEN 0 AND 2 THEN NEW.messages - OLD.messages ELSE 0 END
    WHERE day = NEW.day AND domain_id = (SELECT id FROM ov_domain WHERE policy_domain = NEW.policy_domain);
END;

DROP TRIGGER rollup_src_span_insert;
CREATE TRIGGER rollup_src_span_insert AFTER INSERT ON rollup_src
WHEN NOT EXISTS (SELECT 1 FROM rollup_settling) BEGIN
    INSERT INTO rollup_src_span(policy_domain, level, start, prefix, days, messages, spf_aligned,
                                dkim_aligned, dmarc_pass, spoofing)
    VALUES (NEW.policy_domain, 1, NEW.day >> 2, NEW.prefix, 1, NEW.messages, NEW.spf_aligned,
            NEW.dkim_aligned, NEW.dmarc_pass, NEW.spoofing)
    ON CONFLICT (policy_domain, level, start, prefix) DO UPDATE SET days = days + 1,
        messages = messages + excluded.messages, spf_aligned = spf_aligned + excluded.spf_aligned,
        dkim_aligned = dkim_aligned + excluded.dkim_aligned,
        dmarc_pass = dmarc_pass + excluded.dmarc_pass, spoofing = spoofing + excluded.spoofing;
    INSERT INTO rollup_src_span(policy_domain, level, start, prefix, days, messages, spf_aligned,
                                dkim_aligned, dmarc_pass, spoofing)
    VALUES (NEW.policy_domain, 2, NEW.day >> 4, NEW.prefix, 1, NEW.messages, NEW.spf_aligned,
            NEW.dkim_aligned, NEW.dmarc_pass, NEW.spoofing)
    ON CONFLICT (policy_domain, level, start, prefix) DO UPDATE SET days = days + 1,
        messages = messages + excluded.messages, spf_aligned = spf_aligned + excluded.spf_aligned,
        dkim_aligned = dkim_aligned + excluded.dkim_aligned,
        dmarc_pass = dmarc_pass + excluded.dmarc_pass, spoofing = spoofing + excluded.spoofing;
    INSERT INTO rollup_src_span(policy_domain, level, start, prefix, days, messages, spf_aligned,
                                dkim_aligned, dmarc_pass, spoofing)
    VALUES (NEW.policy_domain, 3, NEW.day >> 6, NEW.prefix, 1, NEW.messages, NEW.spf_aligned,
            NEW.dkim_aligned, NEW.dmarc_pass, NEW.spoofing)
    ON CONFLICT (policy_domain, level, start, prefix) DO UPDATE SET days = days + 1,
        messages = messages + excluded.messages, spf_aligned = spf_aligned + excluded.spf_aligned,
        dkim_aligned = dkim_aligned + excluded.dkim_aligned,
        dmarc_pass = dmarc_pass + excluded.dmarc_pass, spoofing = spoofing + excluded.spoofing;
END;

DROP TRIGGER rollup_src_span_update;
CREATE TRIGGER rollup_src_span_update AFTER UPDATE ON rollup_src
WHEN NEW.policy_domain = OLD.policy_domain AND NEW.day = OLD.day AND NEW.prefix = OLD.prefix
    AND NOT EXISTS (SELECT 1 FROM rollup_settling) BEGIN
    UPDATE rollup_src_span SET messages = messages + NEW.messages - OLD.messages,
        spf_aligned = spf_aligned + NEW.spf_aligned - OLD.spf_aligned,
        dkim_aligned = dkim_aligned + NEW.dkim_aligned - OLD.dkim_aligned,
        dmarc_pass = dmarc_pass + NEW.dmarc_pass - OLD.dmarc_pass,
        spoofing = spoofing + NEW.spoofing - OLD.spoofing
    WHERE policy_domain = NEW.policy_domain AND level = 1 AND start = NEW.day >> 2
        AND prefix = NEW.prefix;
    UPDATE rollup_src_span SET messages = messages + NEW.messages - OLD.messages,
        spf_aligned = spf_aligned + NEW.spf_aligned - OLD.spf_aligned,
        dkim_aligned = dkim_aligned + NEW.dkim_aligned - OLD.dkim_aligned,
        dmarc_pass = dmarc_pass + NEW.dmarc_pass - OLD.dmarc_pass,
        spoofing = spoofing + NEW.spoofing - OLD.spoofing
    WHERE policy_domain = NEW.policy_domain AND level = 2 AND start = NEW.day >> 4
        AND prefix = NEW.prefix;
    UPDATE rollup_src_span SET messages = messages + NEW.messages - OLD.messages,
        spf_aligned = spf_aligned + NEW.spf_aligned - OLD.spf_aligned,
        dkim_aligned = dkim_aligned + NEW.dkim_aligned - OLD.dkim_aligned,
        dmarc_pass = dmarc_pass + NEW.dmarc_pass - OLD.dmarc_pass,
        spoofing = spoofing + NEW.spoofing - OLD.spoofing
    WHERE policy_domain = NEW.policy_domain AND level = 3 AND start = NEW.day >> 6
        AND prefix = NEW.prefix;
END;
