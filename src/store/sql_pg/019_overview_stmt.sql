-- sql_pg/019_overview_stmt.sql: the overview triggers of 016 (rollup_day -> rollup_domain_day,
-- rollup_org -> ov_reporter and the days' orgs, rollup_domain_day -> rollup_domain_span) fire
-- once per statement instead of once per row (issue 17: PostgreSQL ingest speed).  Same tables,
-- same values; only the triggers change.  SQLite's 019 is empty (its row triggers run inside
-- the statement and cost no round of planning; same numbering).
--
-- Each trigger is AFTER INSERT, UPDATE or DELETE ... REFERENCING NEW/OLD TABLE ... FOR EACH
-- STATEMENT (transition tables allow one event per trigger).  It sums the statement's rows by
-- target key (GROUP BY day and domain, or level, start and domain) and applies them with ONE
-- set-based statement per target table, its rows in key order (INSERT ... SELECT ... ORDER BY
-- ... ON CONFLICT DO UPDATE), so that two writers lock the rows they share in the same order
-- (two ingest nodes at once do not deadlock inside a statement).  The ingest writes rollup_day
-- one batch per statement (store_pg_batch.c: unnest ... ON CONFLICT DO UPDATE), so a batch of
-- 512 rollup rows costs one upsert of its domain-days and one of their spans, where 016 ran
-- one nested upsert per rollup_day row and three more per rollup_domain_day row.
--
-- Statement triggers fire even when the statement touched no row (an upsert fires both its
-- INSERT and its UPDATE triggers, one of them usually empty): each returns at once then.
-- An INSERT ... ON CONFLICT DO UPDATE puts its inserted rows in the INSERT trigger's table and
-- its updated rows (old and new) in the UPDATE trigger's tables; the sums are differences, so
-- the order in which the two fire does not matter, nor does the order of the rows.
-- Keys of rollup_day, rollup_org and rollup_domain_day are never updated (every writer adds to
-- the counts or deletes): an UPDATE's old and new rows are paired by key.
--
-- Meanings (as 016): a day row goes when it has no messages, no orgs and no rollup_day row; a
-- span's sums follow its days by difference; its first/last day with messages and its orgs grow
-- with a day, and are read again from its day rows (at most 64, by rollup_domain_day_domain)
-- when a day loses messages or orgs or goes; a span without day rows goes.  ov_reporter: the
-- k-th org of a domain (k from 0, in order of first day then name within one statement) gets
-- 1 << k, from the 63rd on 1 << 62; a writer adding orgs to a domain holds its ov_domain row
-- (FOR NO KEY UPDATE) to its commit, so two writers at once give their orgs distinct bits (016
-- could give both the same bit); the same (domain, org) from both: the second keeps the first's.

DROP TRIGGER rollup_day_ov_insert ON rollup_day;
DROP TRIGGER rollup_day_ov_delete ON rollup_day;
DROP TRIGGER rollup_day_ov_update ON rollup_day;
DROP TRIGGER rollup_org_ov_insert ON rollup_org;
DROP TRIGGER rollup_org_ov_delete ON rollup_org;
DROP TRIGGER rollup_domain_day_ov_insert ON rollup_domain_day;
DROP TRIGGER rollup_domain_day_ov_update ON rollup_domain_day;
DROP TRIGGER rollup_domain_day_ov_delete ON rollup_domain_day;
DROP FUNCTION rollup_day_ov();
DROP FUNCTION rollup_org_ov();
DROP FUNCTION rollup_domain_day_ov();

-- ---- rollup_day -> rollup_domain_day (the day's sums) --------------------------------------

-- rows added: new domains get their ids (name order), then the days' sums are added
CREATE FUNCTION rollup_day_ov_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM nt) THEN
        RETURN NULL;
    END IF;
    INSERT INTO ov_domain(policy_domain)
    SELECT DISTINCT n.policy_domain FROM nt n
    WHERE NOT EXISTS (SELECT 1 FROM ov_domain d WHERE d.policy_domain = n.policy_domain)
    ORDER BY 1 ON CONFLICT DO NOTHING;
    INSERT INTO rollup_domain_day AS t(day, domain_id, messages, dmarc_pass, spf_aligned,
                                       dkim_aligned, forwarded, auth_failure, spoofing)
    SELECT n.day, d.id, sum(n.messages),
           sum(CASE WHEN n.cls = 0 THEN n.messages ELSE 0 END),
           sum(CASE WHEN n.spf_cat = 0 THEN n.messages ELSE 0 END),
           sum(CASE WHEN n.dkim_cat = 0 THEN n.messages ELSE 0 END),
           sum(CASE WHEN n.cls = 1 THEN n.messages ELSE 0 END),
           sum(CASE WHEN n.cls = 2 THEN n.messages ELSE 0 END),
           sum(CASE WHEN n.cls NOT IN (0, 1, 2) THEN n.messages ELSE 0 END)
    FROM nt n JOIN ov_domain d ON d.policy_domain = n.policy_domain
    GROUP BY n.day, d.id ORDER BY n.day, d.id
    ON CONFLICT (day, domain_id) DO UPDATE SET
        messages = t.messages + excluded.messages, dmarc_pass = t.dmarc_pass + excluded.dmarc_pass,
        spf_aligned = t.spf_aligned + excluded.spf_aligned,
        dkim_aligned = t.dkim_aligned + excluded.dkim_aligned,
        forwarded = t.forwarded + excluded.forwarded,
        auth_failure = t.auth_failure + excluded.auth_failure, spoofing = t.spoofing + excluded.spoofing;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_day_ov_insert AFTER INSERT ON rollup_day
    REFERENCING NEW TABLE AS nt FOR EACH STATEMENT EXECUTE FUNCTION rollup_day_ov_ins();

-- rows changed (an upsert adding to them): new minus old, by day and domain; days whose sums
-- did not move are left alone (the day row exists: it was made with the rollup_day row)
CREATE FUNCTION rollup_day_ov_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM nt) THEN
        RETURN NULL;
    END IF;
    INSERT INTO rollup_domain_day AS t(day, domain_id, messages, dmarc_pass, spf_aligned,
                                       dkim_aligned, forwarded, auth_failure, spoofing)
    SELECT x.day, d.id, sum(x.m),
           sum(CASE WHEN x.cls = 0 THEN x.m ELSE 0 END),
           sum(CASE WHEN x.spf_cat = 0 THEN x.m ELSE 0 END),
           sum(CASE WHEN x.dkim_cat = 0 THEN x.m ELSE 0 END),
           sum(CASE WHEN x.cls = 1 THEN x.m ELSE 0 END),
           sum(CASE WHEN x.cls = 2 THEN x.m ELSE 0 END),
           sum(CASE WHEN x.cls NOT IN (0, 1, 2) THEN x.m ELSE 0 END)
    FROM (SELECT policy_domain, day, cls, spf_cat, dkim_cat, messages AS m FROM nt
          UNION ALL
          SELECT policy_domain, day, cls, spf_cat, dkim_cat, -messages FROM ot) x
    JOIN ov_domain d ON d.policy_domain = x.policy_domain
    GROUP BY x.day, d.id
    HAVING sum(x.m) <> 0 OR sum(CASE WHEN x.cls = 0 THEN x.m ELSE 0 END) <> 0
        OR sum(CASE WHEN x.spf_cat = 0 THEN x.m ELSE 0 END) <> 0
        OR sum(CASE WHEN x.dkim_cat = 0 THEN x.m ELSE 0 END) <> 0
        OR sum(CASE WHEN x.cls = 1 THEN x.m ELSE 0 END) <> 0
        OR sum(CASE WHEN x.cls = 2 THEN x.m ELSE 0 END) <> 0
    ORDER BY x.day, d.id
    ON CONFLICT (day, domain_id) DO UPDATE SET
        messages = t.messages + excluded.messages, dmarc_pass = t.dmarc_pass + excluded.dmarc_pass,
        spf_aligned = t.spf_aligned + excluded.spf_aligned,
        dkim_aligned = t.dkim_aligned + excluded.dkim_aligned,
        forwarded = t.forwarded + excluded.forwarded,
        auth_failure = t.auth_failure + excluded.auth_failure, spoofing = t.spoofing + excluded.spoofing;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_day_ov_update AFTER UPDATE ON rollup_day
    REFERENCING OLD TABLE AS ot NEW TABLE AS nt FOR EACH STATEMENT
    EXECUTE FUNCTION rollup_day_ov_upd();

-- rows gone (reanalysis, purge): their sums taken off the day, then the days left without
-- messages, orgs and rollup_day rows go
CREATE FUNCTION rollup_day_ov_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ot) THEN
        RETURN NULL;
    END IF;
    INSERT INTO rollup_domain_day AS t(day, domain_id, messages, dmarc_pass, spf_aligned,
                                       dkim_aligned, forwarded, auth_failure, spoofing)
    SELECT o.day, d.id, -sum(o.messages),
           -sum(CASE WHEN o.cls = 0 THEN o.messages ELSE 0 END),
           -sum(CASE WHEN o.spf_cat = 0 THEN o.messages ELSE 0 END),
           -sum(CASE WHEN o.dkim_cat = 0 THEN o.messages ELSE 0 END),
           -sum(CASE WHEN o.cls = 1 THEN o.messages ELSE 0 END),
           -sum(CASE WHEN o.cls = 2 THEN o.messages ELSE 0 END),
           -sum(CASE WHEN o.cls NOT IN (0, 1, 2) THEN o.messages ELSE 0 END)
    FROM ot o JOIN ov_domain d ON d.policy_domain = o.policy_domain
    GROUP BY o.day, d.id ORDER BY o.day, d.id
    ON CONFLICT (day, domain_id) DO UPDATE SET
        messages = t.messages + excluded.messages, dmarc_pass = t.dmarc_pass + excluded.dmarc_pass,
        spf_aligned = t.spf_aligned + excluded.spf_aligned,
        dkim_aligned = t.dkim_aligned + excluded.dkim_aligned,
        forwarded = t.forwarded + excluded.forwarded,
        auth_failure = t.auth_failure + excluded.auth_failure, spoofing = t.spoofing + excluded.spoofing;
    DELETE FROM rollup_domain_day t
    USING (SELECT DISTINCT o.day, d.id, d.policy_domain FROM ot o
           JOIN ov_domain d ON d.policy_domain = o.policy_domain) k
    WHERE t.day = k.day AND t.domain_id = k.id AND t.messages = 0 AND t.orgs = 0
      AND NOT EXISTS (SELECT 1 FROM rollup_day r WHERE r.policy_domain = k.policy_domain
                      AND r.day = k.day);
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_day_ov_delete AFTER DELETE ON rollup_day
    REFERENCING OLD TABLE AS ot FOR EACH STATEMENT EXECUTE FUNCTION rollup_day_ov_del();

-- ---- rollup_org -> ov_reporter and the days' orgs ------------------------------------------

-- orgs added: new domains and new (domain, org) get ids and bits, then each day ORs its orgs'
-- bits in (a day row whose bits are all there already is not written)
CREATE FUNCTION rollup_org_ov_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM nt) THEN
        RETURN NULL;
    END IF;
    INSERT INTO ov_domain(policy_domain)
    SELECT DISTINCT n.policy_domain FROM nt n
    WHERE NOT EXISTS (SELECT 1 FROM ov_domain d WHERE d.policy_domain = n.policy_domain)
    ORDER BY 1 ON CONFLICT DO NOTHING;
    -- two writers bringing new orgs to one domain at once would count the same reporters and
    -- give two orgs one bit: the domains that get new orgs are locked first (id order), and the
    -- count below, a statement of its own, sees what the other writer committed
    PERFORM 1 FROM ov_domain d
    WHERE d.id IN (SELECT d2.id FROM nt n JOIN ov_domain d2 ON d2.policy_domain = n.policy_domain
                   WHERE NOT EXISTS (SELECT 1 FROM ov_reporter r WHERE r.domain_id = d2.id
                                     AND r.org = n.org))
    ORDER BY d.id FOR NO KEY UPDATE;
    INSERT INTO ov_reporter(domain_id, org, bit)
    SELECT x.domain_id, x.org,
           CASE WHEN x.k < 62 THEN (1::bigint << x.k::int) ELSE (1::bigint << 62) END
    FROM (SELECT d.id AS domain_id, n.org,
                 (SELECT count(*) FROM ov_reporter r WHERE r.domain_id = d.id)
                 + row_number() OVER (PARTITION BY d.id ORDER BY min(n.day), n.org) - 1 AS k
          FROM nt n JOIN ov_domain d ON d.policy_domain = n.policy_domain
          WHERE NOT EXISTS (SELECT 1 FROM ov_reporter r WHERE r.domain_id = d.id AND r.org = n.org)
          GROUP BY d.id, n.org) x
    ORDER BY x.domain_id, x.org
    ON CONFLICT DO NOTHING;
    INSERT INTO rollup_domain_day AS t(day, domain_id, orgs)
    SELECT n.day, d.id, bit_or(r.bit)
    FROM nt n JOIN ov_domain d ON d.policy_domain = n.policy_domain
    JOIN ov_reporter r ON r.domain_id = d.id AND r.org = n.org
    GROUP BY n.day, d.id ORDER BY n.day, d.id
    ON CONFLICT (day, domain_id) DO UPDATE SET orgs = t.orgs | excluded.orgs
    WHERE (excluded.orgs & ~t.orgs) <> 0;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_org_ov_insert AFTER INSERT ON rollup_org
    REFERENCING NEW TABLE AS nt FOR EACH STATEMENT EXECUTE FUNCTION rollup_org_ov_ins();

-- orgs gone: the days' orgs read again from rollup_org, then the days left without messages,
-- orgs and rollup_day rows go
CREATE FUNCTION rollup_org_ov_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ot) THEN
        RETURN NULL;
    END IF;
    INSERT INTO rollup_domain_day AS t(day, domain_id, orgs)
    SELECT k.day, k.id, coalesce((SELECT bit_or(r.bit) FROM rollup_org o
                                  JOIN ov_reporter r ON r.domain_id = k.id AND r.org = o.org
                                  WHERE o.policy_domain = k.policy_domain AND o.day = k.day), 0)
    FROM (SELECT DISTINCT o.day, d.id, d.policy_domain FROM ot o
          JOIN ov_domain d ON d.policy_domain = o.policy_domain) k
    ORDER BY k.day, k.id
    ON CONFLICT (day, domain_id) DO UPDATE SET orgs = excluded.orgs
    WHERE t.orgs <> excluded.orgs;
    DELETE FROM rollup_domain_day t
    USING (SELECT DISTINCT o.day, d.id, d.policy_domain FROM ot o
           JOIN ov_domain d ON d.policy_domain = o.policy_domain) k
    WHERE t.day = k.day AND t.domain_id = k.id AND t.messages = 0 AND t.orgs = 0
      AND NOT EXISTS (SELECT 1 FROM rollup_day r WHERE r.policy_domain = k.policy_domain
                      AND r.day = k.day);
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_org_ov_delete AFTER DELETE ON rollup_org
    REFERENCING OLD TABLE AS ot FOR EACH STATEMENT EXECUTE FUNCTION rollup_org_ov_del();

-- ---- rollup_domain_day -> rollup_domain_span (levels 1, 2, 3) ------------------------------

-- days added: their sums, first/last day with messages and orgs into their spans
CREATE FUNCTION rollup_domain_day_ov_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM nt) THEN
        RETURN NULL;
    END IF;
    INSERT INTO rollup_domain_span AS t(level, start, domain_id, messages, dmarc_pass, spf_aligned,
                                        dkim_aligned, forwarded, auth_failure, spoofing, first_day,
                                        last_day, orgs)
    SELECT l.level, n.day >> (2 * l.level)::int, n.domain_id, sum(n.messages), sum(n.dmarc_pass),
           sum(n.spf_aligned), sum(n.dkim_aligned), sum(n.forwarded), sum(n.auth_failure),
           sum(n.spoofing), min(n.day) FILTER (WHERE n.messages <> 0),
           max(n.day) FILTER (WHERE n.messages <> 0), bit_or(n.orgs)
    FROM nt n, (VALUES (1), (2), (3)) l(level)
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (level, start, domain_id) DO UPDATE SET
        messages = t.messages + excluded.messages, dmarc_pass = t.dmarc_pass + excluded.dmarc_pass,
        spf_aligned = t.spf_aligned + excluded.spf_aligned,
        dkim_aligned = t.dkim_aligned + excluded.dkim_aligned,
        forwarded = t.forwarded + excluded.forwarded,
        auth_failure = t.auth_failure + excluded.auth_failure, spoofing = t.spoofing + excluded.spoofing,
        first_day = CASE WHEN excluded.first_day IS NULL THEN t.first_day
                    ELSE LEAST(t.first_day, excluded.first_day) END,
        last_day = CASE WHEN excluded.last_day IS NULL THEN t.last_day
                   ELSE GREATEST(t.last_day, excluded.last_day) END,
        orgs = t.orgs | excluded.orgs;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_domain_day_ov_insert AFTER INSERT ON rollup_domain_day
    REFERENCING NEW TABLE AS nt FOR EACH STATEMENT EXECUTE FUNCTION rollup_domain_day_ov_ins();

-- days changed: sums by difference, first/last day and orgs grow with the new values; the
-- spans where a day lost messages or orgs read those three again from their day rows
CREATE FUNCTION rollup_domain_day_ov_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM nt) THEN
        RETURN NULL;
    END IF;
    INSERT INTO rollup_domain_span AS t(level, start, domain_id, messages, dmarc_pass, spf_aligned,
                                        dkim_aligned, forwarded, auth_failure, spoofing, first_day,
                                        last_day, orgs)
    SELECT l.level, n.day >> (2 * l.level)::int, n.domain_id, sum(n.messages - o.messages),
           sum(n.dmarc_pass - o.dmarc_pass), sum(n.spf_aligned - o.spf_aligned),
           sum(n.dkim_aligned - o.dkim_aligned), sum(n.forwarded - o.forwarded),
           sum(n.auth_failure - o.auth_failure), sum(n.spoofing - o.spoofing),
           min(n.day) FILTER (WHERE n.messages <> 0), max(n.day) FILTER (WHERE n.messages <> 0),
           bit_or(n.orgs)
    FROM nt n JOIN ot o ON o.day = n.day AND o.domain_id = n.domain_id,
         (VALUES (1), (2), (3)) l(level)
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (level, start, domain_id) DO UPDATE SET
        messages = t.messages + excluded.messages, dmarc_pass = t.dmarc_pass + excluded.dmarc_pass,
        spf_aligned = t.spf_aligned + excluded.spf_aligned,
        dkim_aligned = t.dkim_aligned + excluded.dkim_aligned,
        forwarded = t.forwarded + excluded.forwarded,
        auth_failure = t.auth_failure + excluded.auth_failure, spoofing = t.spoofing + excluded.spoofing,
        first_day = CASE WHEN excluded.first_day IS NULL THEN t.first_day
                    ELSE LEAST(t.first_day, excluded.first_day) END,
        last_day = CASE WHEN excluded.last_day IS NULL THEN t.last_day
                   ELSE GREATEST(t.last_day, excluded.last_day) END,
        orgs = t.orgs | excluded.orgs;
    IF NOT EXISTS (SELECT 1 FROM nt n JOIN ot o ON o.day = n.day AND o.domain_id = n.domain_id
                   WHERE (o.orgs & ~n.orgs) <> 0 OR (o.messages <> 0 AND n.messages = 0)) THEN
        RETURN NULL;
    END IF;
    UPDATE rollup_domain_span t SET first_day = a.fd, last_day = a.ld, orgs = a.o
    FROM (SELECT DISTINCT l.level, n.day >> (2 * l.level)::int AS start, n.domain_id
          FROM nt n JOIN ot o ON o.day = n.day AND o.domain_id = n.domain_id,
               (VALUES (1), (2), (3)) l(level)
          WHERE (o.orgs & ~n.orgs) <> 0 OR (o.messages <> 0 AND n.messages = 0)) s
    CROSS JOIN LATERAL (
        SELECT min(day) FILTER (WHERE messages <> 0) AS fd,
               max(day) FILTER (WHERE messages <> 0) AS ld, coalesce(bit_or(orgs), 0) AS o
        FROM rollup_domain_day WHERE domain_id = s.domain_id
        AND day >= (s.start << (2 * s.level)::int) AND day < ((s.start + 1) << (2 * s.level)::int)) a
    WHERE t.level = s.level AND t.start = s.start AND t.domain_id = s.domain_id;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_domain_day_ov_update AFTER UPDATE ON rollup_domain_day
    REFERENCING OLD TABLE AS ot NEW TABLE AS nt FOR EACH STATEMENT
    EXECUTE FUNCTION rollup_domain_day_ov_upd();

-- days gone: their sums taken off, first/last day and orgs read again from the span's day rows
-- left; spans without day rows go
CREATE FUNCTION rollup_domain_day_ov_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ot) THEN
        RETURN NULL;
    END IF;
    INSERT INTO rollup_domain_span AS t(level, start, domain_id, messages, dmarc_pass, spf_aligned,
                                        dkim_aligned, forwarded, auth_failure, spoofing, first_day,
                                        last_day, orgs)
    SELECT s.level, s.start, s.domain_id, -s.messages, -s.dmarc_pass, -s.spf_aligned,
           -s.dkim_aligned, -s.forwarded, -s.auth_failure, -s.spoofing, a.fd, a.ld, a.o
    FROM (SELECT l.level, o.day >> (2 * l.level)::int AS start, o.domain_id,
                 sum(o.messages) AS messages, sum(o.dmarc_pass) AS dmarc_pass,
                 sum(o.spf_aligned) AS spf_aligned, sum(o.dkim_aligned) AS dkim_aligned,
                 sum(o.forwarded) AS forwarded, sum(o.auth_failure) AS auth_failure,
                 sum(o.spoofing) AS spoofing
          FROM ot o, (VALUES (1), (2), (3)) l(level) GROUP BY 1, 2, 3) s
    CROSS JOIN LATERAL (
        SELECT min(day) FILTER (WHERE messages <> 0) AS fd,
               max(day) FILTER (WHERE messages <> 0) AS ld, coalesce(bit_or(orgs), 0) AS o
        FROM rollup_domain_day WHERE domain_id = s.domain_id
        AND day >= (s.start << (2 * s.level)::int) AND day < ((s.start + 1) << (2 * s.level)::int)) a
    ORDER BY 1, 2, 3
    ON CONFLICT (level, start, domain_id) DO UPDATE SET
        messages = t.messages + excluded.messages, dmarc_pass = t.dmarc_pass + excluded.dmarc_pass,
        spf_aligned = t.spf_aligned + excluded.spf_aligned,
        dkim_aligned = t.dkim_aligned + excluded.dkim_aligned,
        forwarded = t.forwarded + excluded.forwarded,
        auth_failure = t.auth_failure + excluded.auth_failure, spoofing = t.spoofing + excluded.spoofing,
        first_day = excluded.first_day, last_day = excluded.last_day, orgs = excluded.orgs;
    DELETE FROM rollup_domain_span t
    USING (SELECT DISTINCT l.level, o.day >> (2 * l.level)::int AS start, o.domain_id
           FROM ot o, (VALUES (1), (2), (3)) l(level)) s
    WHERE t.level = s.level AND t.start = s.start AND t.domain_id = s.domain_id
      AND NOT EXISTS (SELECT 1 FROM rollup_domain_day d WHERE d.domain_id = s.domain_id
          AND d.day >= (s.start << (2 * s.level)::int) AND d.day < ((s.start + 1) << (2 * s.level)::int));
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_domain_day_ov_delete AFTER DELETE ON rollup_domain_day
    REFERENCING OLD TABLE AS ot FOR EACH STATEMENT EXECUTE FUNCTION rollup_domain_day_ov_del();
