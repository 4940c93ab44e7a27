-- 026_day_delta.sql: nothing on PostgreSQL.  SQLite's 026 (sql/026_day_delta.sql) moves an
-- upsert's difference into rollup_domain_day with one statement instead of taking the old
-- rollup_day row out and putting the new one in; PostgreSQL's statement triggers of 019 already
-- sum the transition tables' difference once per statement.  The file keeps the two folders
-- numbered alike.
SELECT 1;
