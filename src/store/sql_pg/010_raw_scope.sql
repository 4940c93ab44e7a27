-- sql_pg/010_raw_scope.sql: the PostgreSQL form of sql/010_raw_scope.sql, one to one (same tables, columns,
-- constraints and indexes; INTEGER -> bigint, TEXT -> text, BLOB -> bytea, INTEGER
-- PRIMARY KEY -> identity).  Keep the two in step.
-- 010_raw_scope.sql: provider mode (issue 14).  GET /api/v1/raw/ID shows a
-- tenant an archived message only when every report it holds is of the
-- tenant's domains (store_web SWQ_RAW_ACCESS): the reports of one message
-- are found by raw_id, through these indexes, instead of a scan of every
-- report.  One B-tree insert per report (not per record).
CREATE INDEX IF NOT EXISTS reports_raw ON reports(raw_id);
CREATE INDEX IF NOT EXISTS failure_reports_raw ON failure_reports(raw_id);
CREATE INDEX IF NOT EXISTS tls_reports_raw ON tls_reports(raw_id);
