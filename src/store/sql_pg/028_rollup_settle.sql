-- sql_pg/028_rollup_settle.sql: nothing on PostgreSQL.  SQLite's 028 lets a grouped ingest
-- transaction settle its rollups before its COMMIT, with the row triggers of rollup_day and
-- rollup_src off meanwhile; PostgreSQL's bulk ingest has done the same since 025 (stage tables,
-- statement triggers).  The file keeps the two folders numbered alike.
SELECT 1;
