-- 024_record_fks.sql: nothing on SQLite.  PostgreSQL's 024 (sql_pg/024_record_fks.sql) drops
-- the foreign keys of records, record_reasons, auth_dkim and auth_spf, which SQLite never
-- enforced (foreign_keys = OFF).  The file keeps the two folders numbered alike.
SELECT 1;
