-- Full-text index tuning for bulk imports (SQLite FTS5 settings, kept in items_fts_config).
--
-- Measured with examples/insert_speed.rs (10k-item batches): the index costs more CPU than the
-- rest of an insert put together, most of it in merging segments.
--
-- automerge: merge segments 16 at a time instead of 4, so each term is rewritten fewer times
-- as the index grows (about 15% less CPU per insert); queries read a few more segments.
-- hashsize: buffer up to 8 MiB of pending terms (default 1 MiB) before writing a segment, so
-- a 10k-item batch is written as one or two segments rather than several.
INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 16);
INSERT INTO items_fts (items_fts, rank) VALUES ('hashsize', 8388608);
