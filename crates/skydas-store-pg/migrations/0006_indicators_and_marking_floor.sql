-- Skydas store schema, version 6 (PostgreSQL). See the embedded store's 0006.
ALTER TABLE findings ADD COLUMN tlp_floor TEXT;

ALTER TABLE watch_items DROP CONSTRAINT IF EXISTS watch_items_kind_check;
ALTER TABLE watch_items ADD CONSTRAINT watch_items_kind_check
    CHECK (kind IN ('domain', 'url', 'actor'));
ALTER TABLE watch_items ADD COLUMN platform TEXT;
