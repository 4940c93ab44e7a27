-- 020_src_spans.sql: the statistics' top sources (issue 17) from spans of rollup_src.  The top
-- sources of a period sum rollup_src over it, one row per prefix and day: 90 days of a domain
-- seen from 1,000 prefixes a day are 90,000 rows grouped at every request (about 130 ms).
--   rollup_src_span  per domain, level (1, 2, 3: 4, 16, 64 days, start = day >> 2*level, as
--                    016's rollup_domain_span) and prefix: the sums of its rollup_src rows, and
--                    days, how many rollup_src rows those are (the row goes when none is left,
--                    so a prefix is listed exactly when rollup_src has a row for it).
-- A period is at most 3 pieces a level at each end (a base-4 decomposition, src_span.h), e.g.
-- 90 days about 10 rows a prefix instead of 90.  Triggers keep it exact through ingest (the
-- rollup_src upserts), reanalysis (rollup_clear, then upserts) and purge (the early days
-- deleted): an insert adds its row to its three spans, an update moves the difference (or, if
-- the key changed, takes the old row out and puts the new one in), a delete takes its row out.
-- (One statement per level and whole key: each is a lookup by the primary key; an OR of the
-- three keys is a MULTI-INDEX OR, twice as slow, and a level IN (...) would scan the domain.)
-- (No INSERT OR IGNORE in a trigger: the writer's own conflict clause would override it.)
-- Also reports_domain_long, for the policy history (at the end).

CREATE TABLE rollup_src_span (
    policy_domain TEXT NOT NULL,
    level         INTEGER NOT NULL,     -- 1, 2, 3: 4, 16, 64 days
    start         INTEGER NOT NULL,     -- day >> (2 * level)
    prefix        TEXT NOT NULL,
    days          INTEGER NOT NULL,     -- rollup_src rows summed here
    messages      INTEGER NOT NULL,
    spf_aligned   INTEGER NOT NULL,
    dkim_aligned  INTEGER NOT NULL,
    dmarc_pass    INTEGER NOT NULL,
    spoofing      INTEGER NOT NULL,
    PRIMARY KEY (policy_domain, level, start, prefix)
) WITHOUT ROWID;

INSERT INTO rollup_src_span(policy_domain, level, start, prefix, days, messages, spf_aligned,
                            dkim_aligned, dmarc_pass, spoofing)
SELECT r.policy_domain, l.level, r.day >> (2 * l.level), r.prefix, count(*), sum(r.messages),
       sum(r.spf_aligned), sum(r.dkim_aligned), sum(r.dmarc_pass), sum(r.spoofing)
FROM rollup_src r, (SELECT 1 AS level UNION ALL SELECT 2 UNION ALL SELECT 3) l
GROUP BY r.policy_domain, l.level, r.day >> (2 * l.level), r.prefix;

CREATE TRIGGER rollup_src_span_insert AFTER INSERT ON rollup_src BEGIN
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

-- an upsert's DO UPDATE (ingest adds to an existing row): the difference
CREATE TRIGGER rollup_src_span_update AFTER UPDATE ON rollup_src
WHEN NEW.policy_domain = OLD.policy_domain AND NEW.day = OLD.day AND NEW.prefix = OLD.prefix BEGIN
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

-- any other change of a row: the old one out, the new one in
CREATE TRIGGER rollup_src_span_rekey AFTER UPDATE ON rollup_src
WHEN NOT (NEW.policy_domain = OLD.policy_domain AND NEW.day = OLD.day AND NEW.prefix = OLD.prefix)
BEGIN
    DELETE FROM rollup_src_span WHERE policy_domain = OLD.policy_domain AND level = 1 AND start = OLD.day >> 2
        AND prefix = OLD.prefix AND days = 1;
    UPDATE rollup_src_span SET days = days - 1, messages = messages - OLD.messages,
        spf_aligned = spf_aligned - OLD.spf_aligned, dkim_aligned = dkim_aligned - OLD.dkim_aligned,
        dmarc_pass = dmarc_pass - OLD.dmarc_pass, spoofing = spoofing - OLD.spoofing
    WHERE policy_domain = OLD.policy_domain AND level = 1 AND start = OLD.day >> 2
        AND prefix = OLD.prefix;
    DELETE FROM rollup_src_span WHERE policy_domain = OLD.policy_domain AND level = 2 AND start = OLD.day >> 4
        AND prefix = OLD.prefix AND days = 1;
    UPDATE rollup_src_span SET days = days - 1, messages = messages - OLD.messages,
        spf_aligned = spf_aligned - OLD.spf_aligned, dkim_aligned = dkim_aligned - OLD.dkim_aligned,
        dmarc_pass = dmarc_pass - OLD.dmarc_pass, spoofing = spoofing - OLD.spoofing
    WHERE policy_domain = OLD.policy_domain AND level = 2 AND start = OLD.day >> 4
        AND prefix = OLD.prefix;
    DELETE FROM rollup_src_span WHERE policy_domain = OLD.policy_domain AND level = 3 AND start = OLD.day >> 6
        AND prefix = OLD.prefix AND days = 1;
    UPDATE rollup_src_span SET days = days - 1, messages = messages - OLD.messages,
        spf_aligned = spf_aligned - OLD.spf_aligned, dkim_aligned = dkim_aligned - OLD.dkim_aligned,
        dmarc_pass = dmarc_pass - OLD.dmarc_pass, spoofing = spoofing - OLD.spoofing
    WHERE policy_domain = OLD.policy_domain AND level = 3 AND start = OLD.day >> 6
        AND prefix = OLD.prefix;
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

CREATE TRIGGER rollup_src_span_delete AFTER DELETE ON rollup_src BEGIN
    DELETE FROM rollup_src_span WHERE policy_domain = OLD.policy_domain AND level = 1 AND start = OLD.day >> 2
        AND prefix = OLD.prefix AND days = 1;
    UPDATE rollup_src_span SET days = days - 1, messages = messages - OLD.messages,
        spf_aligned = spf_aligned - OLD.spf_aligned, dkim_aligned = dkim_aligned - OLD.dkim_aligned,
        dmarc_pass = dmarc_pass - OLD.dmarc_pass, spoofing = spoofing - OLD.spoofing
    WHERE policy_domain = OLD.policy_domain AND level = 1 AND start = OLD.day >> 2
        AND prefix = OLD.prefix;
    DELETE FROM rollup_src_span WHERE policy_domain = OLD.policy_domain AND level = 2 AND start = OLD.day >> 4
        AND prefix = OLD.prefix AND days = 1;
    UPDATE rollup_src_span SET days = days - 1, messages = messages - OLD.messages,
        spf_aligned = spf_aligned - OLD.spf_aligned, dkim_aligned = dkim_aligned - OLD.dkim_aligned,
        dmarc_pass = dmarc_pass - OLD.dmarc_pass, spoofing = spoofing - OLD.spoofing
    WHERE policy_domain = OLD.policy_domain AND level = 2 AND start = OLD.day >> 4
        AND prefix = OLD.prefix;
    DELETE FROM rollup_src_span WHERE policy_domain = OLD.policy_domain AND level = 3 AND start = OLD.day >> 6
        AND prefix = OLD.prefix AND days = 1;
    UPDATE rollup_src_span SET days = days - 1, messages = messages - OLD.messages,
        spf_aligned = spf_aligned - OLD.spf_aligned, dkim_aligned = dkim_aligned - OLD.dkim_aligned,
        dmarc_pass = dmarc_pass - OLD.dmarc_pass, spoofing = spoofing - OLD.spoofing
    WHERE policy_domain = OLD.policy_domain AND level = 3 AND start = OLD.day >> 6
        AND prefix = OLD.prefix;
END;

-- The statistics' policy history reads the reports of a period: those of at most 8 days
-- (691200 s) by reports_domain_begin from 8 days before the period, the few longer ones by this
-- index, so that the older reports of the domain are not read (store_*_analysis.c A_POLICY).
CREATE INDEX reports_domain_long ON reports(policy_domain, date_end)
    WHERE date_end - date_begin > 691200;
