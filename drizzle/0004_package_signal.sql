-- Every eIM instance keeps in memory which eUICCs may have an open package, so an idle poll needs no query
-- (src/services/package-hint.ts). A package becoming open, by any instance or by hand, is announced on
-- the channel eim_packages with the eUICC's id; NOTIFY is delivered at commit, so listeners never see a
-- package that is not there.
CREATE FUNCTION eim_package_opened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('eim_packages', NEW.euicc_id::text);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER packages_opened AFTER INSERT ON packages FOR EACH ROW
  WHEN (NEW.status IN ('queued', 'delivered')) EXECUTE FUNCTION eim_package_opened();
--> statement-breakpoint
CREATE TRIGGER packages_reopened AFTER UPDATE OF status ON packages FOR EACH ROW
  WHEN (OLD.status NOT IN ('queued', 'delivered') AND NEW.status IN ('queued', 'delivered')) EXECUTE FUNCTION eim_package_opened();
