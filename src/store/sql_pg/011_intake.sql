-- sql_pg/011_intake.sql: the PostgreSQL form of sql/011_intake.sql, one to one (same tables, columns,
-- constraints and indexes; INTEGER -> bigint, TEXT -> text, BLOB -> bytea, INTEGER
-- PRIMARY KEY -> identity).  Keep the two in step.
-- 011_intake.sql: mailbox intake state (issue 16).  One row per configured
-- IMAP mailbox (a name from the config file or the URL) with the
-- UIDVALIDITY last seen and the highest UID taken; one row per message taken
-- from it, written after the message's own transaction committed (so a UID
-- listed here is never ingested again while UIDVALIDITY holds: the mailbox
-- move is only retried).  A crash between the ingest's commit and this row
-- re-ingests the message once: the archive's sha256 makes that a duplicate.
CREATE TABLE intake_mailboxes (
    name         text PRIMARY KEY,   -- "imap:NAME" or "maildir:PATH"
    uidvalidity  bigint NOT NULL DEFAULT 0,
    last_uid     bigint NOT NULL DEFAULT 0,
    updated_at   bigint NOT NULL
);

CREATE TABLE intake_messages (
    mailbox      text NOT NULL,
    uidvalidity  bigint NOT NULL,
    uid          bigint NOT NULL,
    outcome      text NOT NULL,      -- stored | duplicate | partial | refused
    moved        bigint NOT NULL DEFAULT 0,  -- 1 once the server confirmed the move
    created_at   bigint NOT NULL,
    PRIMARY KEY (mailbox, uidvalidity, uid)
);
