-- 021_reserved.sql: nothing, on both backends.  Migrations are applied by their place in the
-- folder, not by the number in the name, and the two folders are numbered alike; this number
-- was set aside for work of session 4 that needed no schema change, and keeps 023 the 23rd.
SELECT 1;
