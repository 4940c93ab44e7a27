-- 026_day_delta.sql: an ingest upsert that adds to an existing rollup_day row moves the
-- difference into rollup_domain_day in one statement.  016's rollup_day_ov_update took the old
-- row out and put the new one in: two changes of the day row, each running the span trigger, and
-- when the row held the day's only messages the first change emptied the day, so the shrink
-- trigger read the span's days again (about 40 % of rollup_day's upserts are such updates on the
-- mixed corpus).  As 020 does for rollup_src: the difference when the columns the overview reads
-- (domain, day, cls, spf_cat, dkim_cat) stay, nothing when messages stay too, and 016's out-and-in
-- when a key column changes.  The day row exists while a rollup_day row of its day does (the
-- delete trigger keeps it), so an UPDATE is enough.

DROP TRIGGER rollup_day_ov_update;

CREATE TRIGGER rollup_day_ov_delta AFTER UPDATE ON rollup_day
WHEN NEW.policy_domain = OLD.policy_domain AND NEW.day = OLD.day AND NEW.cls = OLD.cls
    AND NEW.spf_cat = OLD.spf_cat AND NEW.dkim_cat = OLD.dkim_cat
    AND NEW.messages <> OLD.messages BEGIN
    UPDATE rollup_domain_day SET messages = messages + (NEW.messages - OLD.messages),
        dmarc_pass = dmarc_pass + CASE WHEN NEW.cls = 0 THEN NEW.messages - OLD.messages ELSE 0 END,
        spf_aligned = spf_aligned + CASE WHEN NEW.spf_cat = 0 THEN NEW.messages - OLD.messages ELSE 0 END,
        dkim_aligned = dkim_aligned + CASE WHEN NEW.dkim_cat = 0 THEN NEW.messages - OLD.messages ELSE 0 END,
        forwarded = forwarded + CASE WHEN NEW.cls = 1 THEN NEW.messages - OLD.messages ELSE 0 END,
        auth_failure = auth_failure + CASE WHEN NEW.cls = 2 THEN NEW.messages - OLD.messages ELSE 0 END,
        spoofing = spoofing + CASE WHEN NEW.cls NOT IN (0, 1, 2) THEN NEW.messages - OLD.messages ELSE 0 END
    WHERE day = NEW.day AND domain_id = (SELECT id FROM ov_domain WHERE policy_domain = NEW.policy_domain);
END;

CREATE TRIGGER rollup_day_ov_update AFTER UPDATE ON rollup_day
WHEN NOT (NEW.policy_domain = OLD.policy_domain AND NEW.day = OLD.day AND NEW.cls = OLD.cls
    AND NEW.spf_cat = OLD.spf_cat AND NEW.dkim_cat = OLD.dkim_cat) BEGIN
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
