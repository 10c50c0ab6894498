-- Skydas store schema, version 1 (SQLite).
--
-- Strings that repeat on every row (file hashes, actors) are interned to integer ids so that the
-- hot tables and their indexes stay small. List-valued item fields (URLs, hashtags, mentions) are
-- compact JSON arrays: they are always read together with their item, never queried alone.

CREATE TABLE files (
    id               INTEGER PRIMARY KEY,
    sha256           TEXT    NOT NULL UNIQUE,
    path             TEXT    NOT NULL,
    size             INTEGER NOT NULL,
    importer         TEXT    NOT NULL,
    importer_version INTEGER NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'partial' CHECK (status IN ('partial', 'complete')),
    items            INTEGER NOT NULL DEFAULT 0,
    errors           INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE actors (
    id          INTEGER PRIMARY KEY,
    platform    TEXT    NOT NULL,
    platform_id TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    handle      TEXT,
    name        TEXT,
    created_at  INTEGER,
    followers   INTEGER,
    UNIQUE (platform, platform_id)
);

CREATE TABLE items (
    id          INTEGER PRIMARY KEY,
    platform    TEXT    NOT NULL,
    platform_id TEXT    NOT NULL,
    actor_id    INTEGER NOT NULL REFERENCES actors (id),
    kind        TEXT    NOT NULL,
    time        INTEGER NOT NULL,
    text        TEXT    NOT NULL,
    match_text  TEXT    NOT NULL,
    lang        TEXT    NOT NULL,
    lang_conf   REAL    NOT NULL,
    lang_hint   TEXT,
    repost_of   TEXT,
    reply_to    TEXT,
    quote_of    TEXT,
    -- JSON arrays; NULL when empty.
    urls        TEXT,
    hashtags    TEXT,
    mentions    TEXT,
    -- What the full-text index sees: the text with the letters folded that have no Unicode
    -- decomposition, so the tokenizer's diacritic removal misses them (Polish ł). Computed on
    -- read, never stored.
    fts_text    TEXT GENERATED ALWAYS AS (replace(replace(text, 'ł', 'l'), 'Ł', 'L')) VIRTUAL,
    UNIQUE (platform, platform_id)
);

-- One row per (item, file, place in the file): the same post met in two files has two rows,
-- re-importing a file adds none. loc_kind: 0 line, 1 byte offset, 2 record index.
CREATE TABLE provenance (
    item_id          INTEGER NOT NULL REFERENCES items (id),
    file_id          INTEGER NOT NULL REFERENCES files (id),
    loc_kind         INTEGER NOT NULL,
    loc              INTEGER NOT NULL,
    importer         TEXT    NOT NULL,
    importer_version INTEGER NOT NULL,
    PRIMARY KEY (item_id, file_id, loc_kind, loc)
) WITHOUT ROWID;

-- External-content index over items.fts_text: snippets read the text from items, the index holds
-- only tokens. Rows are written by the store, not by triggers, so that a one-shot scan can skip
-- the index entirely.
CREATE VIRTUAL TABLE items_fts USING fts5 (
    fts_text,
    content = 'items',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE findings (
    id         TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    score      REAL    NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    body       TEXT    NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'confirmed', 'dismissed')),
    note       TEXT    NOT NULL DEFAULT '',
    tlp        TEXT    NOT NULL DEFAULT 'amber',
    updated_at INTEGER NOT NULL
);

CREATE INDEX findings_by_kind ON findings (kind, score DESC, id);

CREATE TABLE protected_domains (
    domain  TEXT PRIMARY KEY,
    country TEXT NOT NULL,
    kind    TEXT NOT NULL,
    note    TEXT NOT NULL
);

-- Items per platform and language ('' when unknown), kept by each insert batch so that stats
-- never scan the items table.
CREATE TABLE item_counts (
    platform TEXT    NOT NULL,
    lang     TEXT    NOT NULL,
    items    INTEGER NOT NULL,
    PRIMARY KEY (platform, lang)
);

-- Small key/value facts about the store itself (e.g. whether the full-text index is stale).
CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
