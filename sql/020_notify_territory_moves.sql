-- Every instance's tile cache follows the writes that carry rows from one territory to another
-- without moving their geometry (issue #18: invalidation stays exact; sql/015 announced only
-- the boxes of the sites and plots written):
--   * a site carried to another EPCI changes the `?territory=` tiles of its plots, so the
--     update's notification also carries its live plots' boxes, as entity "plot";
--   * the other tables a tile reads (territories, territory_epci: a territory's members;
--     communes: a brownfield's EPCI; brownfields) are written by imports: a statement that
--     writes any row of them announces a reset, as a bulk import does.
-- The server that wrote skips its own notifications (change-relay.ts); it drops the same tiles
-- itself (editing/writes.ts afterCommit, importers/routes.ts).
CREATE FUNCTION foncier_notify_site_plots() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  boxes text[];
  sender text := coalesce(current_setting('application_name', true), '');
  chunk constant int := 50;
BEGIN
  IF coalesce(nullif(current_setting('foncier.notified_rows', true), ''), '0')::bigint < 0 THEN
    RETURN NULL; -- this transaction already announced a reset
  END IF;
  WITH moved AS (
    SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.epci_siren IS DISTINCT FROM n.epci_siren
  )
  SELECT array_agg(DISTINCT format('[%s,%s,%s,%s]', ST_XMin(p.geom), ST_YMin(p.geom), ST_XMax(p.geom), ST_YMax(p.geom)))
    INTO boxes
    FROM moved JOIN plots p ON p.site_id = moved.id
    WHERE p.deleted_at IS NULL AND p.geom IS NOT NULL;
  IF boxes IS NULL THEN
    RETURN NULL;
  END IF;
  IF cardinality(boxes) > 1000 THEN
    PERFORM set_config('foncier.notified_rows', '-1', true);
    PERFORM pg_notify('foncier_changes', json_build_object('from', sender,
      'reset', 'the plots of more than 1000 sites carried to another EPCI')::text);
    RETURN NULL;
  END IF;
  FOR i IN 0 .. (cardinality(boxes) - 1) / chunk LOOP
    PERFORM pg_notify('foncier_changes', format('{"from":%s,"entity":"plot","boxes":[%s]}',
      to_json(sender), array_to_string(boxes[i * chunk + 1 : (i + 1) * chunk], ',')));
  END LOOP;
  RETURN NULL;
END
$$;

-- Named to run after sites_notify_update (triggers fire in name order): a statement of more than
-- 1000 rows has then already announced its reset, and this one returns at once.
CREATE TRIGGER sites_notify_update_plots AFTER UPDATE ON sites REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_notify_site_plots();

CREATE FUNCTION foncier_notify_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(nullif(current_setting('foncier.notified_rows', true), ''), '0')::bigint < 0 THEN
    RETURN NULL;
  END IF;
  -- A statement trigger fires for zero rows too: only a statement that wrote a row resets.
  IF TG_OP = 'DELETE' THEN
    IF NOT EXISTS (SELECT 1 FROM old_rows) THEN RETURN NULL; END IF;
  ELSIF NOT EXISTS (SELECT 1 FROM new_rows) THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('foncier.notified_rows', '-1', true);
  PERFORM pg_notify('foncier_changes', json_build_object('from', coalesce(current_setting('application_name', true), ''),
    'reset', format('%s written', TG_TABLE_NAME))::text);
  RETURN NULL;
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['territories', 'territory_epci', 'communes', 'brownfields'] LOOP
    EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION foncier_notify_reset()', t || '_notify_insert', t);
    EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION foncier_notify_reset()', t || '_notify_update', t);
    EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION foncier_notify_reset()', t || '_notify_delete', t);
  END LOOP;
END
$$;
