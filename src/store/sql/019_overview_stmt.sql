-- 019_overview_stmt.sql: nothing on SQLite.  PostgreSQL's 019 (sql_pg/019_overview_stmt.sql)
-- replaces 016's overview row triggers by statement triggers with transition tables, one set-based
-- upsert per statement (a PL/pgSQL row trigger plans and runs nested statements per row); SQLite's
-- row triggers run inside the statement cheaply and stay.  The file keeps the two folders numbered
-- alike (migration i of one is migration i of the other).
SELECT 1;
