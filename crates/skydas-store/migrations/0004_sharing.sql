-- Sharing with partners (SQLite): TAXII collections and their per-organisation grants, the STIX
-- object versions they hold, POST status resources, pagination cursors, the incremental-pull
-- state of remote collections, and partner intelligence with the watch items derived from it.
--
-- Every statement is idempotent (IF NOT EXISTS) so that the file can be applied both as a numbered
-- migration and on first use by `sharing::Sharing::open`.

CREATE TABLE IF NOT EXISTS taxii_collections (
    id          TEXT    PRIMARY KEY,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    alias       TEXT    UNIQUE,
    created_at  INTEGER NOT NULL
);

-- Access is granted to organisations, never to single users: a partner is an organisation.
-- `max_tlp` is the most restrictive TLP 2.0 level the organisation may read from the collection
-- (RED is never served whatever it says; AMBER+STRICT only to the object's own organisation).
CREATE TABLE IF NOT EXISTS taxii_grants (
    collection_id TEXT    NOT NULL REFERENCES taxii_collections (id),
    org           TEXT    NOT NULL,
    can_read      INTEGER NOT NULL,
    can_write     INTEGER NOT NULL,
    max_tlp       TEXT    NOT NULL,
    PRIMARY KEY (collection_id, org)
);

-- One row per object version. `date_added` (microseconds since the epoch) is the server's ingest
-- time that `added_after` filters on; it strictly increases across the table, so it orders pages.
-- `tlp` is the object's TLP 2.0 level as read from its markings, checked at every read.
CREATE TABLE IF NOT EXISTS taxii_objects (
    seq           INTEGER PRIMARY KEY,
    collection_id TEXT    NOT NULL REFERENCES taxii_collections (id),
    object_id     TEXT    NOT NULL,
    object_type   TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    spec_version  TEXT    NOT NULL,
    date_added    INTEGER NOT NULL,
    tlp           TEXT    NOT NULL,
    source_org    TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    UNIQUE (collection_id, object_id, version)
);

CREATE INDEX IF NOT EXISTS taxii_objects_by_added ON taxii_objects (collection_id, date_added);
CREATE INDEX IF NOT EXISTS taxii_objects_by_id ON taxii_objects (collection_id, object_id);

CREATE TABLE IF NOT EXISTS taxii_status (
    id         TEXT    PRIMARY KEY,
    org        TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    body       TEXT    NOT NULL
);

-- Opaque `next` tokens: bound to the query that made them (`query_key`) and short-lived.
CREATE TABLE IF NOT EXISTS taxii_pages (
    token      TEXT    PRIMARY KEY,
    query_key  TEXT    NOT NULL,
    cursor     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);

-- The last X-TAXII-Date-Added-Last seen per remote collection, for `added_after` on the next pull.
CREATE TABLE IF NOT EXISTS taxii_pull_state (
    server     TEXT    NOT NULL,
    collection TEXT    NOT NULL,
    added_last TEXT    NOT NULL,
    pulled_at  INTEGER NOT NULL,
    PRIMARY KEY (server, collection)
);

-- What partners shared with us, whatever the path (TAXII POST, pull, file import).
CREATE TABLE IF NOT EXISTS partner_objects (
    object_id   TEXT    NOT NULL,
    version     TEXT    NOT NULL,
    object_type TEXT    NOT NULL,
    tlp         TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    source_org  TEXT    NOT NULL,
    received_at INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    PRIMARY KEY (object_id, version)
);

CREATE INDEX IF NOT EXISTS partner_objects_by_type ON partner_objects (object_type, received_at);

-- Clone domains and actors partners flagged: `kind` is `domain` or `actor`; `value` is the
-- lowercase domain or the account's `type:user_id`/`type:@login`.
CREATE TABLE IF NOT EXISTS watch_items (
    kind        TEXT    NOT NULL CHECK (kind IN ('domain', 'actor')),
    value       TEXT    NOT NULL,
    label       TEXT    NOT NULL,
    tlp         TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    source_org  TEXT    NOT NULL,
    added_at    INTEGER NOT NULL,
    PRIMARY KEY (kind, value, source_org)
);
