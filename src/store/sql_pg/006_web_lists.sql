-- sql_pg/006_web_lists.sql: the PostgreSQL form of sql/006_web_lists.sql, one to one (same tables, columns,
-- constraints and indexes; INTEGER -> bigint, TEXT -> text, BLOB -> bytea, INTEGER
-- PRIMARY KEY -> identity).  Keep the two in step.
-- 006_web_lists.sql: the portal's mail list is served by indexes or by a
-- bounded scan (store_sqlite_web.c).  Records of one source address: the
-- ip= filter and the host page pick their candidates here instead of
-- scanning every record (32 s on 1M records before).  One B-tree insert
-- per ingested record; the other list filters (class, result, search) and
-- sorts work inside a window of the newest records of the range, found
-- through reports_domain_begin and records_domain, and need no index.
CREATE INDEX IF NOT EXISTS records_ip ON records(source_ip);
-- Reports by begin alone: the mail list over every domain walks the range
-- in date order too (one B-tree insert per report, not per record).
CREATE INDEX IF NOT EXISTS reports_begin ON reports(date_begin);
