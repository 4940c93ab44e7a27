-- sql_pg/016_overview_spans.sql: the PostgreSQL form of sql/016_overview_spans.sql (same tables,
-- columns, keys and indexes; INTEGER -> bigint; the SQLite triggers become PL/pgSQL trigger
-- functions with the same effects; PostgreSQL has bit_or(), so a span's orgs are read again as the
-- bit_or of its day rows).  See the SQLite file for the meanings.  Keep the two in step.
-- ov_domain: integer ids per policy domain; ov_reporter: a bit per (domain, org), 1 << 62 for
-- the 63rd org on; rollup_domain_day keyed (day, domain_id) with orgs; rollup_domain_span: levels
-- 1..3 (4, 16, 64 days, start = day >> 2*level) replace 014's 8-day rollup_domain_block.

DROP TRIGGER rollup_day_ov_insert ON rollup_day;
DROP TRIGGER rollup_day_ov_delete ON rollup_day;
DROP TRIGGER rollup_day_ov_update ON rollup_day;
DROP TABLE rollup_domain_block;
DROP TABLE rollup_domain_day;
DROP FUNCTION rollup_day_ov();
DROP FUNCTION rollup_domain_day_ov_insert();
DROP FUNCTION rollup_domain_day_ov_update();
DROP FUNCTION rollup_domain_day_ov_none();

CREATE TABLE ov_domain (
    id            bigserial PRIMARY KEY,
    policy_domain text NOT NULL UNIQUE
);

CREATE TABLE ov_reporter (
    domain_id     bigint NOT NULL,
    org           text NOT NULL,
    bit           bigint NOT NULL,      -- 1 << k (k < 62), or 1 << 62: one of many
    PRIMARY KEY (domain_id, org)
);

CREATE TABLE rollup_domain_day (
    day           bigint NOT NULL,      -- UTC day (unix seconds / 86400)
    domain_id     bigint NOT NULL,      -- ov_domain
    messages      bigint NOT NULL DEFAULT 0,
    dmarc_pass    bigint NOT NULL DEFAULT 0,
    spf_aligned   bigint NOT NULL DEFAULT 0,
    dkim_aligned  bigint NOT NULL DEFAULT 0,
    forwarded     bigint NOT NULL DEFAULT 0,
    auth_failure  bigint NOT NULL DEFAULT 0,
    spoofing      bigint NOT NULL DEFAULT 0,
    orgs          bigint NOT NULL DEFAULT 0,   -- OR of ov_reporter.bit of the day's orgs
    PRIMARY KEY (day, domain_id)
);
CREATE INDEX rollup_domain_day_domain ON rollup_domain_day(domain_id, day);

CREATE TABLE rollup_domain_span (
    level         bigint NOT NULL,      -- 1, 2, 3: 4, 16, 64 days
    start         bigint NOT NULL,      -- day >> (2 * level)
    domain_id     bigint NOT NULL,
    messages      bigint NOT NULL DEFAULT 0,
    dmarc_pass    bigint NOT NULL DEFAULT 0,
    spf_aligned   bigint NOT NULL DEFAULT 0,
    dkim_aligned  bigint NOT NULL DEFAULT 0,
    forwarded     bigint NOT NULL DEFAULT 0,
    auth_failure  bigint NOT NULL DEFAULT 0,
    spoofing      bigint NOT NULL DEFAULT 0,
    first_day     bigint,               -- first and last day of the span with messages
    last_day      bigint,
    orgs          bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (level, start, domain_id)
);

INSERT INTO ov_domain(policy_domain)
SELECT policy_domain FROM rollup_day UNION SELECT policy_domain FROM rollup_org ORDER BY 1;

INSERT INTO ov_reporter(domain_id, org, bit)
SELECT domain_id, org, CASE WHEN k < 62 THEN (1::bigint << k::int) ELSE (1::bigint << 62) END
FROM (SELECT d.id AS domain_id, o.org AS org,
             row_number() OVER (PARTITION BY d.id ORDER BY min(o.day), o.org) - 1 AS k
      FROM rollup_org o JOIN ov_domain d ON d.policy_domain = o.policy_domain
      GROUP BY d.id, o.org) x;

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

INSERT INTO rollup_domain_day AS t(day, domain_id, orgs)
SELECT o.day, d.id, bit_or(b.bit)
FROM rollup_org o JOIN ov_domain d ON d.policy_domain = o.policy_domain
JOIN ov_reporter b ON b.domain_id = d.id AND b.org = o.org
GROUP BY o.day, d.id
ON CONFLICT (day, domain_id) DO UPDATE SET orgs = excluded.orgs;

INSERT INTO rollup_domain_span(level, start, domain_id, messages, dmarc_pass, spf_aligned,
                               dkim_aligned, forwarded, auth_failure, spoofing, first_day, last_day,
                               orgs)
SELECT l.level, x.day >> (2 * l.level)::int, x.domain_id, sum(x.messages), sum(x.dmarc_pass),
       sum(x.spf_aligned), sum(x.dkim_aligned), sum(x.forwarded), sum(x.auth_failure),
       sum(x.spoofing), min(CASE WHEN x.messages <> 0 THEN x.day END),
       max(CASE WHEN x.messages <> 0 THEN x.day END), bit_or(x.orgs)
FROM rollup_domain_day x, (VALUES (1), (2), (3)) l(level)
GROUP BY l.level, x.day >> (2 * l.level)::int, x.domain_id;

-- rollup_day -> the day's sums: add NEW (insert, update), take OLD off (update, delete); a day
-- row without messages, orgs and rollup_day rows goes
CREATE FUNCTION rollup_day_ov() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE did bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT id INTO did FROM ov_domain WHERE policy_domain = OLD.policy_domain;
        UPDATE rollup_domain_day SET messages = messages - OLD.messages,
            dmarc_pass = dmarc_pass - CASE WHEN OLD.cls = 0 THEN OLD.messages ELSE 0 END,
            spf_aligned = spf_aligned - CASE WHEN OLD.spf_cat = 0 THEN OLD.messages ELSE 0 END,
            dkim_aligned = dkim_aligned - CASE WHEN OLD.dkim_cat = 0 THEN OLD.messages ELSE 0 END,
            forwarded = forwarded - CASE WHEN OLD.cls = 1 THEN OLD.messages ELSE 0 END,
            auth_failure = auth_failure - CASE WHEN OLD.cls = 2 THEN OLD.messages ELSE 0 END,
            spoofing = spoofing - CASE WHEN OLD.cls NOT IN (0, 1, 2) THEN OLD.messages ELSE 0 END
        WHERE day = OLD.day AND domain_id = did;
    END IF;
    IF TG_OP = 'DELETE' THEN
        DELETE FROM rollup_domain_day WHERE day = OLD.day AND domain_id = did
            AND messages = 0 AND orgs = 0 AND NOT EXISTS (SELECT 1 FROM rollup_day d
            WHERE d.policy_domain = OLD.policy_domain AND d.day = OLD.day);
        RETURN NULL;
    END IF;
    SELECT id INTO did FROM ov_domain WHERE policy_domain = NEW.policy_domain;
    IF did IS NULL THEN
        INSERT INTO ov_domain(policy_domain) VALUES (NEW.policy_domain) ON CONFLICT DO NOTHING;
        SELECT id INTO did FROM ov_domain WHERE policy_domain = NEW.policy_domain;
    END IF;
    INSERT INTO rollup_domain_day AS t(day, domain_id, messages, dmarc_pass, spf_aligned,
                                       dkim_aligned, forwarded, auth_failure, spoofing)
    VALUES (NEW.day, did, NEW.messages,
            CASE WHEN NEW.cls = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.spf_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.dkim_cat = 0 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 1 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls = 2 THEN NEW.messages ELSE 0 END,
            CASE WHEN NEW.cls NOT IN (0, 1, 2) THEN NEW.messages ELSE 0 END)
    ON CONFLICT (day, domain_id) DO UPDATE SET
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
CREATE TRIGGER rollup_day_ov_update AFTER UPDATE ON rollup_day
    FOR EACH ROW EXECUTE FUNCTION rollup_day_ov();

-- rollup_org -> the day's orgs: an org added ORs its bit in; an org gone: the day's orgs again
CREATE FUNCTION rollup_org_ov() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE did bigint; b bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        SELECT id INTO did FROM ov_domain WHERE policy_domain = OLD.policy_domain;
        UPDATE rollup_domain_day SET orgs = coalesce((SELECT bit_or(r.bit) FROM rollup_org o
            JOIN ov_reporter r ON r.domain_id = did AND r.org = o.org
            WHERE o.policy_domain = OLD.policy_domain AND o.day = OLD.day), 0)
        WHERE day = OLD.day AND domain_id = did;
        DELETE FROM rollup_domain_day WHERE day = OLD.day AND domain_id = did
            AND messages = 0 AND orgs = 0 AND NOT EXISTS (SELECT 1 FROM rollup_day d
            WHERE d.policy_domain = OLD.policy_domain AND d.day = OLD.day);
        RETURN NULL;
    END IF;
    SELECT id INTO did FROM ov_domain WHERE policy_domain = NEW.policy_domain;
    IF did IS NULL THEN
        INSERT INTO ov_domain(policy_domain) VALUES (NEW.policy_domain) ON CONFLICT DO NOTHING;
        SELECT id INTO did FROM ov_domain WHERE policy_domain = NEW.policy_domain;
    END IF;
    SELECT bit INTO b FROM ov_reporter WHERE domain_id = did AND org = NEW.org;
    IF b IS NULL THEN
        SELECT CASE WHEN count(*) < 62 THEN (1::bigint << count(*)::int) ELSE (1::bigint << 62) END
        INTO b FROM ov_reporter WHERE domain_id = did;
        INSERT INTO ov_reporter(domain_id, org, bit) VALUES (did, NEW.org, b);
    END IF;
    INSERT INTO rollup_domain_day AS t(day, domain_id, orgs) VALUES (NEW.day, did, b)
    ON CONFLICT (day, domain_id) DO UPDATE SET orgs = t.orgs | excluded.orgs
    WHERE (t.orgs & excluded.orgs) = 0;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_org_ov_insert AFTER INSERT ON rollup_org
    FOR EACH ROW EXECUTE FUNCTION rollup_org_ov();
CREATE TRIGGER rollup_org_ov_delete AFTER DELETE ON rollup_org
    FOR EACH ROW EXECUTE FUNCTION rollup_org_ov();

-- days -> spans: sums by difference; first/last day and orgs grow with a day, and are read
-- again from the span's day rows (at most 64) when a day loses messages or orgs or goes; a
-- span without day rows goes
CREATE FUNCTION rollup_domain_day_ov() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE s bigint; lo bigint; hi bigint; shrink boolean;
BEGIN
    FOR l IN 1..3 LOOP
        IF TG_OP = 'INSERT' THEN
            s := NEW.day >> (2 * l);
            INSERT INTO rollup_domain_span AS t(level, start, domain_id, messages, dmarc_pass,
                                                spf_aligned, dkim_aligned, forwarded, auth_failure,
                                                spoofing, first_day, last_day, orgs)
            VALUES (l, s, NEW.domain_id, NEW.messages, NEW.dmarc_pass, NEW.spf_aligned,
                    NEW.dkim_aligned, NEW.forwarded, NEW.auth_failure, NEW.spoofing,
                    CASE WHEN NEW.messages <> 0 THEN NEW.day END,
                    CASE WHEN NEW.messages <> 0 THEN NEW.day END, NEW.orgs)
            ON CONFLICT (level, start, domain_id) DO UPDATE SET
                messages = t.messages + excluded.messages,
                dmarc_pass = t.dmarc_pass + excluded.dmarc_pass,
                spf_aligned = t.spf_aligned + excluded.spf_aligned,
                dkim_aligned = t.dkim_aligned + excluded.dkim_aligned,
                forwarded = t.forwarded + excluded.forwarded,
                auth_failure = t.auth_failure + excluded.auth_failure,
                spoofing = t.spoofing + excluded.spoofing,
                first_day = CASE WHEN excluded.first_day IS NULL THEN t.first_day
                            ELSE LEAST(t.first_day, excluded.first_day) END,
                last_day = CASE WHEN excluded.last_day IS NULL THEN t.last_day
                           ELSE GREATEST(t.last_day, excluded.last_day) END,
                orgs = t.orgs | excluded.orgs;
            CONTINUE;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            s := NEW.day >> (2 * l);
            shrink := (OLD.orgs & ~NEW.orgs) <> 0 OR (OLD.messages <> 0 AND NEW.messages = 0);
            UPDATE rollup_domain_span SET messages = messages + NEW.messages - OLD.messages,
                dmarc_pass = dmarc_pass + NEW.dmarc_pass - OLD.dmarc_pass,
                spf_aligned = spf_aligned + NEW.spf_aligned - OLD.spf_aligned,
                dkim_aligned = dkim_aligned + NEW.dkim_aligned - OLD.dkim_aligned,
                forwarded = forwarded + NEW.forwarded - OLD.forwarded,
                auth_failure = auth_failure + NEW.auth_failure - OLD.auth_failure,
                spoofing = spoofing + NEW.spoofing - OLD.spoofing,
                first_day = CASE WHEN NEW.messages <> 0 THEN LEAST(first_day, NEW.day)
                            ELSE first_day END,
                last_day = CASE WHEN NEW.messages <> 0 THEN GREATEST(last_day, NEW.day)
                           ELSE last_day END,
                orgs = orgs | NEW.orgs
            WHERE level = l AND start = s AND domain_id = NEW.domain_id;
            IF NOT shrink THEN
                CONTINUE;
            END IF;
        ELSE
            s := OLD.day >> (2 * l);
            UPDATE rollup_domain_span SET messages = messages - OLD.messages,
                dmarc_pass = dmarc_pass - OLD.dmarc_pass, spf_aligned = spf_aligned - OLD.spf_aligned,
                dkim_aligned = dkim_aligned - OLD.dkim_aligned, forwarded = forwarded - OLD.forwarded,
                auth_failure = auth_failure - OLD.auth_failure, spoofing = spoofing - OLD.spoofing
            WHERE level = l AND start = s AND domain_id = OLD.domain_id;
        END IF;
        lo := s << (2 * l);
        hi := (s + 1) << (2 * l);
        UPDATE rollup_domain_span t SET first_day = x.fd, last_day = x.ld, orgs = x.o
        FROM (SELECT min(day) FILTER (WHERE messages <> 0) AS fd,
                     max(day) FILTER (WHERE messages <> 0) AS ld, coalesce(bit_or(orgs), 0) AS o
              FROM rollup_domain_day WHERE domain_id = OLD.domain_id AND day >= lo AND day < hi) x
        WHERE t.level = l AND t.start = s AND t.domain_id = OLD.domain_id;
        IF TG_OP = 'DELETE' THEN
            DELETE FROM rollup_domain_span WHERE level = l AND start = s AND domain_id = OLD.domain_id
                AND NOT EXISTS (SELECT 1 FROM rollup_domain_day WHERE domain_id = OLD.domain_id
                AND day >= lo AND day < hi);
        END IF;
    END LOOP;
    RETURN NULL;
END $$;
CREATE TRIGGER rollup_domain_day_ov_insert AFTER INSERT ON rollup_domain_day
    FOR EACH ROW EXECUTE FUNCTION rollup_domain_day_ov();
CREATE TRIGGER rollup_domain_day_ov_update AFTER UPDATE ON rollup_domain_day
    FOR EACH ROW EXECUTE FUNCTION rollup_domain_day_ov();
CREATE TRIGGER rollup_domain_day_ov_delete AFTER DELETE ON rollup_domain_day
    FOR EACH ROW EXECUTE FUNCTION rollup_domain_day_ov();
