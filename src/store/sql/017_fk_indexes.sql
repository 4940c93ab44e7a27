-- 017_fk_indexes.sql: nothing on SQLite.  PostgreSQL's 017 (sql_pg/017_fk_indexes.sql) adds the
-- indexes its enforced foreign keys need when a report or raw message is deleted; SQLite runs
-- with foreign_keys = OFF and the purge finds records through records_domain(policy_domain,
-- report_id), so it needs none.  The file keeps the two folders numbered alike (migration i
-- of one is migration i of the other).
SELECT 1;
