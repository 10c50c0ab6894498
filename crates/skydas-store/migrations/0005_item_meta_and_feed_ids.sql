-- Skydas store schema, version 5 (SQLite).
--
-- Items carry how their time was known, an article's byline and image hashes, in one JSON
-- object that is NULL for the common item that has none of them.
ALTER TABLE items ADD COLUMN meta TEXT;

-- Feed items' ids are scoped to their site (`{site}#{guid}`), so that two sites numbering
-- their posts from 1 never overwrite each other. Existing feed items are renamed in place; the
-- site is the item's actor, as the feed importer names it.
UPDATE items
SET platform_id = (SELECT a.platform_id FROM actors a WHERE a.id = items.actor_id) || '#' || platform_id
WHERE platform = 'web';
