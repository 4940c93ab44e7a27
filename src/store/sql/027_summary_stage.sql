-- 027_summary_stage.sql: nothing on SQLite.  PostgreSQL's 027 (sql_pg/027_summary_stage.sql) lets
-- a grouped ingest transaction stage its reports' domain_summary numbers and move them in domain
-- order before its COMMIT, so that grouped ingests of several processes write side by side;
-- SQLite has one writer at a time.  The file keeps the two folders numbered alike.
SELECT 1;
