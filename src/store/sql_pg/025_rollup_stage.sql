-- sql_pg/025_rollup_stage.sql: the rollup stage of a bulk ingest (store_pg_batch.c).  In bulk
-- mode (`ingest` of many messages, group commit) a transaction puts its rollup rows here, one
-- multi-row INSERT per batch, and moves them to the rollups once before its COMMIT (one
-- `WITH d AS (DELETE FROM stage_x RETURNING *) INSERT INTO rollup_x ... GROUP BY key ON CONFLICT`
-- per table), so that the rollups' statement triggers (019, 020) run once per group of messages,
-- not once per message.  The rows are never committed: each transaction moves its own (the only
-- ones it sees) before it commits.  UNLOGGED: no WAL, and nothing to keep after a crash; no key,
-- no index, no trigger: the settle sums by key.  Shared by every ingest node, no per-session DDL
-- (a first version used temporary tables: 4 CREATE per process, +15 ms for each message an MTA
-- pipes in, and a role without TEMP could not have them).  Same columns as the rollups' keys and
-- counts; not on SQLite, whose 025 is empty.
CREATE UNLOGGED TABLE stage_day (
    policy_domain text, day bigint, cls bigint, path bigint, spf_cat bigint, dkim_cat bigint,
    sender_kind bigint, known bigint, disposition bigint, reporter_pass bigint,
    messages bigint, records bigint
);
CREATE UNLOGGED TABLE stage_src (
    policy_domain text, day bigint, prefix text, messages bigint, spf_aligned bigint,
    dkim_aligned bigint, dmarc_pass bigint, spoofing bigint
);
CREATE UNLOGGED TABLE stage_org (
    policy_domain text, day bigint, org text, reports bigint, messages bigint
);
CREATE UNLOGGED TABLE stage_hours (
    policy_domain text, day bigint, cls bigint,
    h00 bigint, h01 bigint, h02 bigint, h03 bigint, h04 bigint, h05 bigint, h06 bigint,
    h07 bigint, h08 bigint, h09 bigint, h10 bigint, h11 bigint, h12 bigint, h13 bigint,
    h14 bigint, h15 bigint, h16 bigint, h17 bigint, h18 bigint, h19 bigint, h20 bigint,
    h21 bigint, h22 bigint, h23 bigint
);
