-- The change feed between instances (issue #18): every statement that writes sites or plots
-- sends, on channel foncier_changes, the bounding boxes of the rows' geometries before and
-- after, so that every server listening (src/change-relay.ts) drops exactly the tiles those
-- boxes touch. NOTIFY is transactional: a write that rolls back is never heard, and each
-- commit is heard once, by every listener, whichever process wrote (a server, the CLI).
--
-- Payload, JSON under NOTIFY's 8000-byte limit: {"from": application_name of the writer,
-- "entity": "site"|"plot", "boxes": [[minX,minY,maxX,maxY], …]} in chunks of 50 boxes (a box
-- is at most ~85 bytes), or {"from": …, "reset": "why"} once a transaction has written more
-- than 1000 rows (a bulk import: listeners then start afresh, and the boxes stop).
CREATE FUNCTION foncier_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  boxes text[];
  written bigint;
  sender text := coalesce(current_setting('application_name', true), '');
  entity text := CASE TG_TABLE_NAME WHEN 'sites' THEN 'site' ELSE 'plot' END;
  chunk constant int := 50;
BEGIN
  -- The rows this transaction has announced so far (a transaction-local setting).
  written := coalesce(nullif(current_setting('foncier.notified_rows', true), ''), '0')::bigint;
  IF written < 0 THEN
    RETURN NULL; -- already reset in this transaction
  END IF;
  IF TG_OP = 'DELETE' THEN
    written := written + (SELECT count(*) FROM old_rows);
  ELSE
    written := written + (SELECT count(*) FROM new_rows);
  END IF;
  IF written > 1000 THEN
    PERFORM set_config('foncier.notified_rows', '-1', true);
    PERFORM pg_notify('foncier_changes', json_build_object('from', sender, 'reset', format('more than 1000 rows of %s written', TG_TABLE_NAME))::text);
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT format('[%s,%s,%s,%s]', ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)))
      FILTER (WHERE geom IS NOT NULL) INTO boxes FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT format('[%s,%s,%s,%s]', ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)))
      FILTER (WHERE geom IS NOT NULL) INTO boxes FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT format('[%s,%s,%s,%s]', ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g)))
      FILTER (WHERE g IS NOT NULL) INTO boxes
      FROM (SELECT geom AS g FROM old_rows UNION ALL SELECT geom FROM new_rows) AS touched;
  END IF;
  PERFORM set_config('foncier.notified_rows', written::text, true);
  IF boxes IS NULL THEN
    RETURN NULL; -- no row, or none with a geometry
  END IF;
  FOR i IN 0 .. (cardinality(boxes) - 1) / chunk LOOP
    PERFORM pg_notify('foncier_changes', format('{"from":%s,"entity":"%s","boxes":[%s]}',
      to_json(sender), entity, array_to_string(boxes[i * chunk + 1 : (i + 1) * chunk], ',')));
  END LOOP;
  RETURN NULL;
END
$$;

CREATE TRIGGER sites_notify_insert AFTER INSERT ON sites REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_notify_changes();
CREATE TRIGGER sites_notify_update AFTER UPDATE ON sites REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_notify_changes();
CREATE TRIGGER sites_notify_delete AFTER DELETE ON sites REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_notify_changes();
CREATE TRIGGER plots_notify_insert AFTER INSERT ON plots REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_notify_changes();
CREATE TRIGGER plots_notify_update AFTER UPDATE ON plots REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_notify_changes();
CREATE TRIGGER plots_notify_delete AFTER DELETE ON plots REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION foncier_notify_changes();
