-- sql_pg/017_fk_indexes.sql: the indexes PostgreSQL's foreign keys need when a referenced row
-- is deleted.  SQLite runs with foreign_keys = OFF, so its 017 is empty (same numbering).
-- Deleting a report (retention purge) checks every table that references it: records'
-- ON DELETE CASCADE looks the report's records up by report_id, and duplicates' check looks
-- for rows naming it; without an index each is a scan of the whole table per deleted report
-- (about 4 ms per report at 1.6 M records).  005 dropped records(report_id) for ingest speed
-- on SQLite (reads by report go through records_domain(policy_domain, report_id)); on
-- PostgreSQL the cascade needs it.  The same for raw_messages' referencing rows (the archive's
-- merge deletes a raw message) and tls_reports' policies.
CREATE INDEX IF NOT EXISTS records_report ON records(report_id);
CREATE INDEX IF NOT EXISTS duplicates_report ON duplicates(report_id);
CREATE INDEX IF NOT EXISTS duplicates_raw ON duplicates(raw_id);
CREATE INDEX IF NOT EXISTS quarantine_raw ON quarantine(raw_id);
CREATE INDEX IF NOT EXISTS kind_duplicates_raw ON kind_duplicates(raw_id);
CREATE INDEX IF NOT EXISTS tls_policies_report ON tls_policies(tls_report_id);
