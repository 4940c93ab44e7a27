-- sql_pg/004_rollup_hours.sql: the PostgreSQL form of sql/004_rollup_hours.sql, one to one (same tables, columns,
-- constraints and indexes; INTEGER -> bigint, TEXT -> text, BLOB -> bytea, INTEGER
-- PRIMARY KEY -> identity).  Keep the two in step.
-- 004_rollup_hours.sql: the hourly rollup as one row per (policy domain,
-- UTC day, class) holding the messages of each of the day's 24 hours, so a
-- report of one day adds one row per class instead of 24.  The rows of
-- rollup_hour (002) move over with their counts unchanged: hour = day * 24 + h,
-- with floor division so that hours before 1970 land on the right day.  Rows
-- of zero messages are left out (the reads skip zero hours anyway).

CREATE TABLE rollup_hours (
    policy_domain text NOT NULL,
    day           bigint NOT NULL,      -- UTC day (unix seconds / 86400)
    cls           bigint NOT NULL,
    -- messages in 00:00-00:59 UTC, 01:00-01:59, ... 23:00-23:59
    h00 bigint NOT NULL DEFAULT 0, h01 bigint NOT NULL DEFAULT 0,
    h02 bigint NOT NULL DEFAULT 0, h03 bigint NOT NULL DEFAULT 0,
    h04 bigint NOT NULL DEFAULT 0, h05 bigint NOT NULL DEFAULT 0,
    h06 bigint NOT NULL DEFAULT 0, h07 bigint NOT NULL DEFAULT 0,
    h08 bigint NOT NULL DEFAULT 0, h09 bigint NOT NULL DEFAULT 0,
    h10 bigint NOT NULL DEFAULT 0, h11 bigint NOT NULL DEFAULT 0,
    h12 bigint NOT NULL DEFAULT 0, h13 bigint NOT NULL DEFAULT 0,
    h14 bigint NOT NULL DEFAULT 0, h15 bigint NOT NULL DEFAULT 0,
    h16 bigint NOT NULL DEFAULT 0, h17 bigint NOT NULL DEFAULT 0,
    h18 bigint NOT NULL DEFAULT 0, h19 bigint NOT NULL DEFAULT 0,
    h20 bigint NOT NULL DEFAULT 0, h21 bigint NOT NULL DEFAULT 0,
    h22 bigint NOT NULL DEFAULT 0, h23 bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (policy_domain, day, cls)
);

INSERT INTO rollup_hours(policy_domain, day, cls, h00, h01, h02, h03, h04, h05, h06, h07,
                         h08, h09, h10, h11, h12, h13, h14, h15, h16, h17, h18, h19, h20,
                         h21, h22, h23)
SELECT policy_domain, (hour - h) / 24 AS d, cls,
       sum(CASE h WHEN 0 THEN messages ELSE 0 END), sum(CASE h WHEN 1 THEN messages ELSE 0 END),
       sum(CASE h WHEN 2 THEN messages ELSE 0 END), sum(CASE h WHEN 3 THEN messages ELSE 0 END),
       sum(CASE h WHEN 4 THEN messages ELSE 0 END), sum(CASE h WHEN 5 THEN messages ELSE 0 END),
       sum(CASE h WHEN 6 THEN messages ELSE 0 END), sum(CASE h WHEN 7 THEN messages ELSE 0 END),
       sum(CASE h WHEN 8 THEN messages ELSE 0 END), sum(CASE h WHEN 9 THEN messages ELSE 0 END),
       sum(CASE h WHEN 10 THEN messages ELSE 0 END), sum(CASE h WHEN 11 THEN messages ELSE 0 END),
       sum(CASE h WHEN 12 THEN messages ELSE 0 END), sum(CASE h WHEN 13 THEN messages ELSE 0 END),
       sum(CASE h WHEN 14 THEN messages ELSE 0 END), sum(CASE h WHEN 15 THEN messages ELSE 0 END),
       sum(CASE h WHEN 16 THEN messages ELSE 0 END), sum(CASE h WHEN 17 THEN messages ELSE 0 END),
       sum(CASE h WHEN 18 THEN messages ELSE 0 END), sum(CASE h WHEN 19 THEN messages ELSE 0 END),
       sum(CASE h WHEN 20 THEN messages ELSE 0 END), sum(CASE h WHEN 21 THEN messages ELSE 0 END),
       sum(CASE h WHEN 22 THEN messages ELSE 0 END), sum(CASE h WHEN 23 THEN messages ELSE 0 END)
FROM (SELECT policy_domain, hour, cls, messages, ((hour % 24) + 24) % 24 AS h
      FROM rollup_hour WHERE messages != 0) AS hr
GROUP BY policy_domain, d, cls;

DROP TABLE rollup_hour;
