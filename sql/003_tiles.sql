-- 003: tiles. The data version carried by TileJSON tile URLs is the last write to a site or
-- plot (max(updated_at)); these indexes make it an index lookup rather than a scan of
-- a million plots on every TileJSON request.
CREATE INDEX IF NOT EXISTS sites_updated_at_idx ON sites (updated_at);
CREATE INDEX IF NOT EXISTS plots_updated_at_idx ON plots (updated_at);
