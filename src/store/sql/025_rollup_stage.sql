-- 025_rollup_stage.sql: nothing on SQLite.  PostgreSQL's 025 (sql_pg/025_rollup_stage.sql) adds
-- the unlogged stage tables in which a bulk ingest sums its rollup rows before one upsert per
-- transaction; SQLite upserts each row where it is (no statement triggers to amortize).  The
-- file keeps the two folders numbered alike.
SELECT 1;
