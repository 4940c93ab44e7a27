-- sql_pg/024_record_fks.sql: the record tables' foreign keys go, as on SQLite (which runs with
-- foreign_keys = OFF and never checked them).  Every record is written in the statement that
-- writes its reasons and auth rows, after its report (store_pg_batch.c), and the only writer
-- that deletes them, the retention purge (store_pg_retention.c R_PURGE), deletes the records,
-- their reasons, DKIM and SPF rows and the report in one statement by itself.  The checks cost
-- the ingest one row lock and one index probe per record and per auth row: 163,000 of them for
-- the mixed benchmark corpus, a third of the records statement's server time.  The indexes
-- stay (records_report of 017 serves reads by report).  duplicates, quarantine and the
-- report kinds keep theirs: they are rare rows.
ALTER TABLE record_reasons DROP CONSTRAINT IF EXISTS record_reasons_record_id_fkey;
ALTER TABLE auth_dkim DROP CONSTRAINT IF EXISTS auth_dkim_record_id_fkey;
ALTER TABLE auth_spf DROP CONSTRAINT IF EXISTS auth_spf_record_id_fkey;
ALTER TABLE records DROP CONSTRAINT IF EXISTS records_report_id_fkey;
