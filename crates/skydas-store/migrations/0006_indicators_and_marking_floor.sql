-- Skydas store schema, version 6 (SQLite).
--
-- Indicators: watch items (partners' indicators and the user's indicator lists) name
-- URLs as well as domains and actors (an account on one platform, when the indicator says),
-- and a finding keeps the least restrictive marking it may
-- carry (a known-infrastructure finding takes its indicators'): reviews never go below it.
ALTER TABLE findings ADD COLUMN tlp_floor TEXT;

CREATE TABLE watch_items_v6 (
    kind        TEXT    NOT NULL CHECK (kind IN ('domain', 'url', 'actor')),
    value       TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    tlp         TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    source_org  TEXT    NOT NULL,
    added_at    INTEGER NOT NULL,
    platform    TEXT,
    PRIMARY KEY (kind, value, source_org)
);
INSERT INTO watch_items_v6 (kind, value, label, tlp, source, source_org, added_at)
    SELECT kind, value, label, tlp, source, source_org, added_at FROM watch_items;
DROP TABLE watch_items;
ALTER TABLE watch_items_v6 RENAME TO watch_items;
