-- sql_pg/023_overview_packed.sql: the domains overview reads each period piece of
-- rollup_domain_day and rollup_domain_span as ONE bytea column per row instead of eleven
-- bigints (issue 19, PostgreSQL p95).  Measured on the 10,000-domain benchmark (90 days,
-- 100,000 rows a request): PostgreSQL turning eleven bigints a row into text, and libpq and
-- the portal parsing them back, cost about twice the scan itself; one stored bytea is sent
-- as it is.  The column is GENERATED ... STORED, so every writer (ingest, the triggers of
-- 016, reanalysis, purge) keeps it exact without knowing of it.
-- Layout: eleven big-endian int8 (int8send), in this order: domain_id, messages,
-- dmarc_pass, spf_aligned, dkim_aligned, forwarded, auth_failure, spoofing, the first
-- day with messages (-1: none), the last day (-1: none), orgs (the reporter bits).
-- store_pg_web_overview.c decodes it (ov_range).  SQLite's 023 is empty: it reads its
-- integers in place.
ALTER TABLE rollup_domain_span ADD COLUMN packed bytea GENERATED ALWAYS AS (
    int8send(domain_id) || int8send(messages) || int8send(dmarc_pass) || int8send(spf_aligned) ||
    int8send(dkim_aligned) || int8send(forwarded) || int8send(auth_failure) || int8send(spoofing) ||
    int8send(coalesce(first_day, -1)) || int8send(coalesce(last_day, -1)) || int8send(orgs)) STORED;
ALTER TABLE rollup_domain_day ADD COLUMN packed bytea GENERATED ALWAYS AS (
    int8send(domain_id) || int8send(messages) || int8send(dmarc_pass) || int8send(spf_aligned) ||
    int8send(dkim_aligned) || int8send(forwarded) || int8send(auth_failure) || int8send(spoofing) ||
    int8send(CASE WHEN messages <> 0 THEN day ELSE -1 END) || int8send(day) || int8send(orgs)) STORED;
