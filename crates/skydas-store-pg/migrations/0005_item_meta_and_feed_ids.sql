-- Skydas store schema, version 5 (PostgreSQL). See the embedded store's 0005.
ALTER TABLE items ADD COLUMN meta TEXT;

-- Feed items' ids scoped to their site, in the dedupe authority and the items alike.
UPDATE item_keys k
SET platform_id = a.platform_id || '#' || k.platform_id
FROM items i JOIN actors a ON a.id = i.actor_id
WHERE k.platform = 'web' AND i.id = k.id;

UPDATE items i
SET platform_id = a.platform_id || '#' || i.platform_id
FROM actors a
WHERE i.platform = 'web' AND a.id = i.actor_id;
