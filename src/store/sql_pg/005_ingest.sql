-- sql_pg/005_ingest.sql: the PostgreSQL form of sql/005_ingest.sql, one to one (same tables, columns,
-- constraints and indexes; INTEGER -> bigint, TEXT -> text, BLOB -> bytea, INTEGER
-- PRIMARY KEY -> identity).  Keep the two in step.
-- 005_ingest.sql: fewer pages written per ingested message.
-- raw_messages(state) was never used by a query, but every message touched
-- it twice (inserted as pending, then moved to its final state).
DROP INDEX IF EXISTS raw_messages_state;
-- records(report_id) cost a B-tree insert per record (8% of the writer's
-- instructions on a large report); lookups by report go through
-- records_domain(policy_domain, report_id) with the report's domain.
DROP INDEX IF EXISTS records_report;
