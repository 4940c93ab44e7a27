-- sql_pg/020_src_spans.sql: the PostgreSQL form of sql/020_src_spans.sql (same table, columns and
-- key; INTEGER -> bigint).  See the SQLite file for the meanings; keep the two in step.
-- The SQLite row triggers become statement-level triggers with transition tables (one per event,
-- as PostgreSQL wants): a statement's rows are summed per span first, so an ingest batch or a
-- reanalysis' DELETE of a whole domain costs one upsert per span touched, not three per row.
-- An INSERT ... ON CONFLICT DO UPDATE fires both: the inserted rows go to the insert trigger,
-- the updated ones (old and new) to the update trigger.  The upserts take their rows in key
-- order (two writers of one domain meet in the same order).  Spans left without rows are found
-- by a partial index of the rows with days = 0 (a join on the transition table would be planned
-- as a scan of the whole table: no statistics on transition tables).

CREATE TABLE rollup_src_span (
    policy_domain text NOT NULL,
    level         bigint NOT NULL,      -- 1, 2, 3: 4, 16, 64 days
    start         bigint NOT NULL,      -- day >> (2 * level)
    prefix        text NOT NULL,
    days          bigint NOT NULL,      -- rollup_src rows summed here
    messages      bigint NOT NULL,
    spf_aligned   bigint NOT NULL,
    dkim_aligned  bigint NOT NULL,
    dmarc_pass    bigint NOT NULL,
    spoofing      bigint NOT NULL,
    PRIMARY KEY (policy_domain, level, start, prefix)
);

-- the spans left without rows, found without reading the others (the triggers delete them)
CREATE INDEX rollup_src_span_empty ON rollup_src_span(policy_domain) WHERE days = 0;

INSERT INTO rollup_src_span(policy_domain, level, start, prefix, days, messages, spf_aligned,
                            dkim_aligned, dmarc_pass, spoofing)
SELECT r.policy_domain, l.level, r.day >> (2 * l.level)::int, r.prefix, count(*),
       sum(r.messages), sum(r.spf_aligned), sum(r.dkim_aligned), sum(r.dmarc_pass),
       sum(r.spoofing)
FROM rollup_src r CROSS JOIN (VALUES (1::bigint), (2), (3)) l(level)
GROUP BY r.policy_domain, l.level, r.day >> (2 * l.level)::int, r.prefix;

CREATE FUNCTION rollup_src_span_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_src_span AS s (policy_domain, level, start, prefix, days, messages,
                                      spf_aligned, dkim_aligned, dmarc_pass, spoofing)
    SELECT r.policy_domain, l.level, r.day >> (2 * l.level)::int, r.prefix, count(*),
           sum(r.messages), sum(r.spf_aligned), sum(r.dkim_aligned), sum(r.dmarc_pass),
           sum(r.spoofing)
    FROM new_rows r CROSS JOIN (VALUES (1::bigint), (2), (3)) l(level)
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (policy_domain, level, start, prefix) DO UPDATE SET days = s.days + excluded.days,
        messages = s.messages + excluded.messages,
        spf_aligned = s.spf_aligned + excluded.spf_aligned,
        dkim_aligned = s.dkim_aligned + excluded.dkim_aligned,
        dmarc_pass = s.dmarc_pass + excluded.dmarc_pass, spoofing = s.spoofing + excluded.spoofing;
    RETURN NULL;
END $$;

-- an upsert's DO UPDATE (and any other change): new rows in, old rows out, summed per span;
-- spans whose rows all moved away (days 0: only when a key changed) go
CREATE FUNCTION rollup_src_span_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rollup_src_span AS s (policy_domain, level, start, prefix, days, messages,
                                      spf_aligned, dkim_aligned, dmarc_pass, spoofing)
    SELECT r.policy_domain, l.level, r.day >> (2 * l.level)::int, r.prefix, sum(r.n),
           sum(r.messages), sum(r.spf_aligned), sum(r.dkim_aligned), sum(r.dmarc_pass),
           sum(r.spoofing)
    FROM (SELECT policy_domain, day, prefix, 1 AS n, messages, spf_aligned, dkim_aligned,
                 dmarc_pass, spoofing FROM new_rows
          UNION ALL
          SELECT policy_domain, day, prefix, -1, -messages, -spf_aligned, -dkim_aligned,
                 -dmarc_pass, -spoofing FROM old_rows) r
    CROSS JOIN (VALUES (1::bigint), (2), (3)) l(level)
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (policy_domain, level, start, prefix) DO UPDATE SET days = s.days + excluded.days,
        messages = s.messages + excluded.messages,
        spf_aligned = s.spf_aligned + excluded.spf_aligned,
        dkim_aligned = s.dkim_aligned + excluded.dkim_aligned,
        dmarc_pass = s.dmarc_pass + excluded.dmarc_pass, spoofing = s.spoofing + excluded.spoofing;
    DELETE FROM rollup_src_span
    WHERE days = 0 AND policy_domain IN (SELECT policy_domain FROM old_rows);
    RETURN NULL;
END $$;

CREATE FUNCTION rollup_src_span_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE rollup_src_span s SET days = s.days - o.days, messages = s.messages - o.messages,
        spf_aligned = s.spf_aligned - o.spf_aligned, dkim_aligned = s.dkim_aligned - o.dkim_aligned,
        dmarc_pass = s.dmarc_pass - o.dmarc_pass, spoofing = s.spoofing - o.spoofing
    FROM (SELECT r.policy_domain, l.level, r.day >> (2 * l.level)::int AS start, r.prefix,
                 count(*) AS days, sum(r.messages) AS messages, sum(r.spf_aligned) AS spf_aligned,
                 sum(r.dkim_aligned) AS dkim_aligned, sum(r.dmarc_pass) AS dmarc_pass,
                 sum(r.spoofing) AS spoofing
          FROM old_rows r CROSS JOIN (VALUES (1::bigint), (2), (3)) l(level)
          GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4) o
    WHERE s.policy_domain = o.policy_domain AND s.level = o.level AND s.start = o.start
      AND s.prefix = o.prefix;
    DELETE FROM rollup_src_span
    WHERE days = 0 AND policy_domain IN (SELECT policy_domain FROM old_rows);
    RETURN NULL;
END $$;

CREATE TRIGGER rollup_src_span_insert AFTER INSERT ON rollup_src
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_src_span_insert();
CREATE TRIGGER rollup_src_span_update AFTER UPDATE ON rollup_src
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION rollup_src_span_update();
CREATE TRIGGER rollup_src_span_delete AFTER DELETE ON rollup_src
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rollup_src_span_delete();

-- The statistics' policy history reads the reports of a period: those of at most 8 days
-- (691200 s) by reports_domain_begin from 8 days before the period, the few longer ones by this
-- index, so that the older reports of the domain are not read (store_*_analysis.c A_POLICY).
CREATE INDEX reports_domain_long ON reports(policy_domain, date_end)
    WHERE date_end - date_begin > 691200;

-- serial_plan(n) = n, for a LIMIT: a PARALLEL UNSAFE function anywhere in a query keeps the
-- planner from a parallel plan.  The top sources' ~15,000 rows (90 days, 1,000 prefixes) make it
-- pick one (rollup_src is large), and starting the workers at every request costs more than the
-- aggregation: 36 ms a request in pg_stat_statements, 23 ms serial (1.5 ms of CPU), at load 17
-- on 2 cores (bench/stats.sh's database).
CREATE FUNCTION serial_plan(n bigint) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL UNSAFE
    AS 'SELECT n';
