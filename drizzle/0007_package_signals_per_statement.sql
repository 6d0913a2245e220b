-- The announcement of new open packages (0004) once per INSERT statement instead of once per row: a bulk
-- order's fan-out inserts thousands of packages per statement, and a row trigger ran a function and queued
-- a notification for each (about 5 us of PostgreSQL per package, and as many messages for every listening
-- eIM instance). The payload is now a comma-separated list of eUICC ids, at most 500 per notification
-- (the payload limit is 8000 bytes). All eIM instances must run a version that reads lists.
-- Reopening by UPDATE stays a row trigger: it is rare, and a statement trigger with transition tables
-- would run for every UPDATE of packages, the package cycle's included.
DROP TRIGGER packages_opened ON packages;
--> statement-breakpoint
CREATE FUNCTION eim_packages_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids text;
BEGIN
  FOR ids IN
    SELECT string_agg(euicc_id::text, ',' ORDER BY euicc_id)
    FROM (SELECT euicc_id, (row_number() OVER (ORDER BY euicc_id) - 1) / 500 AS chunk
          FROM (SELECT DISTINCT euicc_id FROM inserted WHERE status IN ('queued', 'delivered')) AS d) AS c
    GROUP BY chunk
  LOOP
    PERFORM pg_notify('eim_packages', ids);
  END LOOP;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER packages_inserted AFTER INSERT ON packages REFERENCING NEW TABLE AS inserted
  FOR EACH STATEMENT EXECUTE FUNCTION eim_packages_inserted();
