-- 012_retention.sql: retention (issue 16, `dmarcscope purge`).  The failure
-- reports whose sample is still there, by arrival: the sample purge finds
-- its next window (min(arrival_time)) and its rows here without walking
-- every sample purged on an earlier day.  A partial index: a purged row
-- leaves it, so it stays as small as the samples kept.
CREATE INDEX IF NOT EXISTS failure_reports_unpurged ON failure_reports(arrival_time)
    WHERE sample_purged = 0;
