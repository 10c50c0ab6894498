-- Sharing with partners (PostgreSQL): TAXII collections and their per-organisation grants, the
-- STIX object versions they hold, POST status resources, pagination cursors, the incremental-pull
-- state of remote collections, and partner intelligence with the watch items derived from it.
-- The same tables and keys as the embedded store's `0004_sharing.sql`, so that under
-- `--store postgres://…` nothing of sharing stays in a local file.
--
-- Keys and ordered columns use the "C" collation: byte order, as SQLite compares, whatever the
-- database's locale.

CREATE TABLE taxii_collections (
    id          TEXT   COLLATE "C" PRIMARY KEY,
    title       TEXT   COLLATE "C" NOT NULL,
    description TEXT   NOT NULL DEFAULT '',
    alias       TEXT   COLLATE "C" UNIQUE,
    created_at  BIGINT NOT NULL
);

-- Access is granted to organisations, never to single users: a partner is an organisation.
-- `max_tlp` is the most restrictive TLP 2.0 level the organisation may read from the collection
-- (RED is never served whatever it says; AMBER+STRICT only to the object's own organisation).
CREATE TABLE taxii_grants (
    collection_id TEXT    COLLATE "C" NOT NULL REFERENCES taxii_collections (id),
    org           TEXT    COLLATE "C" NOT NULL,
    can_read      BOOLEAN NOT NULL,
    can_write     BOOLEAN NOT NULL,
    max_tlp       TEXT    NOT NULL,
    PRIMARY KEY (collection_id, org)
);

-- One row per object version. `date_added` (microseconds since the epoch) is the server's ingest
-- time that `added_after` filters on; it strictly increases across the table, so it orders pages
-- (writers take an advisory lock, so it also increases in commit order).
-- `tlp` is the object's TLP 2.0 level as read from its markings, checked at every read.
CREATE TABLE taxii_objects (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection_id TEXT   COLLATE "C" NOT NULL REFERENCES taxii_collections (id),
    object_id     TEXT   COLLATE "C" NOT NULL,
    object_type   TEXT   COLLATE "C" NOT NULL,
    version       BIGINT NOT NULL,
    spec_version  TEXT   NOT NULL,
    date_added    BIGINT NOT NULL,
    tlp           TEXT   NOT NULL,
    source_org    TEXT   NOT NULL,
    body          TEXT   NOT NULL,
    UNIQUE (collection_id, object_id, version)
);

CREATE INDEX taxii_objects_by_added ON taxii_objects (collection_id, date_added);
CREATE INDEX taxii_objects_by_id ON taxii_objects (collection_id, object_id);
-- The latest `date_added` of the whole table, read by every write.
CREATE INDEX taxii_objects_date_added ON taxii_objects (date_added);

CREATE TABLE taxii_status (
    id         TEXT   COLLATE "C" PRIMARY KEY,
    org        TEXT   COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    body       TEXT   NOT NULL
);

-- Opaque `next` tokens: bound to the query that made them (`query_key`) and short-lived.
CREATE TABLE taxii_pages (
    token      TEXT   COLLATE "C" PRIMARY KEY,
    query_key  TEXT   NOT NULL,
    cursor     TEXT   NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX taxii_pages_by_expiry ON taxii_pages (expires_at);

-- The last X-TAXII-Date-Added-Last seen per remote collection, for `added_after` on the next pull.
CREATE TABLE taxii_pull_state (
    server     TEXT   COLLATE "C" NOT NULL,
    collection TEXT   COLLATE "C" NOT NULL,
    added_last TEXT   NOT NULL,
    pulled_at  BIGINT NOT NULL,
    PRIMARY KEY (server, collection)
);

-- What partners shared with us, whatever the path (TAXII POST, pull, file import).
CREATE TABLE partner_objects (
    object_id   TEXT   COLLATE "C" NOT NULL,
    version     TEXT   COLLATE "C" NOT NULL,
    object_type TEXT   COLLATE "C" NOT NULL,
    tlp         TEXT   NOT NULL,
    source      TEXT   NOT NULL,
    source_org  TEXT   NOT NULL,
    received_at BIGINT NOT NULL,
    body        TEXT   NOT NULL,
    PRIMARY KEY (object_id, version)
);

CREATE INDEX partner_objects_by_type ON partner_objects (object_type, received_at);
CREATE INDEX partner_objects_by_received ON partner_objects (received_at DESC, object_type, object_id);

-- Clone domains and actors partners flagged: `kind` is `domain` or `actor`; `value` is the
-- lowercase domain or the account's `user_id`/`@login`.
CREATE TABLE watch_items (
    kind        TEXT   COLLATE "C" NOT NULL CHECK (kind IN ('domain', 'actor')),
    value       TEXT   COLLATE "C" NOT NULL,
    label       TEXT   NOT NULL,
    tlp         TEXT   NOT NULL,
    source      TEXT   NOT NULL,
    source_org  TEXT   COLLATE "C" NOT NULL,
    added_at    BIGINT NOT NULL,
    PRIMARY KEY (kind, value, source_org)
);
