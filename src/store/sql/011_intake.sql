-- 011_intake.sql: mailbox intake state (issue 16).  One row per configured
-- IMAP mailbox (a name from the config file or the URL) with the
-- UIDVALIDITY last seen and the highest UID taken; one row per message taken
-- from it, written after the message's own transaction committed (so a UID
-- listed here is never ingested again while UIDVALIDITY holds: the mailbox
-- move is only retried).  A crash between the ingest's commit and this row
-- re-ingests the message once: the archive's sha256 makes that a duplicate.
CREATE TABLE intake_mailboxes (
    name         TEXT PRIMARY KEY,   -- "imap:NAME" or "maildir:PATH"
    uidvalidity  INTEGER NOT NULL DEFAULT 0,
    last_uid     INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE intake_messages (
    mailbox      TEXT NOT NULL,
    uidvalidity  INTEGER NOT NULL,
    uid          INTEGER NOT NULL,
    outcome      TEXT NOT NULL,      -- stored | duplicate | partial | refused
    moved        INTEGER NOT NULL DEFAULT 0,  -- 1 once the server confirmed the move
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (mailbox, uidvalidity, uid)
);
