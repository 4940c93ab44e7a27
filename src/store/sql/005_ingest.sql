-- 005_ingest.sql: fewer pages written per ingested message.
-- raw_messages(state) was never used by a query, but every message touched
-- it twice (inserted as pending, then moved to its final state).
DROP INDEX IF EXISTS raw_messages_state;
