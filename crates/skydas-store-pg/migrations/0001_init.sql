-- Skydas store schema, version 1 (PostgreSQL).
--
-- Runs inside the store's own schema (the connection's search_path). Same data as the embedded
-- SQLite schema, shaped for many writers and for growth past one machine:
--
-- * `items` is partitioned by month on `time` (Unix seconds), so old months can be detached,
--   archived or dropped without touching the rest, and time-bounded scans read few partitions.
--   Partitions are created on demand by the store (`items_pYYYYMM`, plus `items_pmin` and
--   `items_pmax` for times before 1900 and from 2200).
-- * A unique key on a partitioned table must include the partition key, so `(platform,
--   platform_id)` cannot be unique on `items` itself: `item_keys` (not partitioned) is the
--   dedupe authority and hands out item ids.
--
-- Citus distribution keys (see ARCHITECTURE.md, "Going to N machines"):
--   item_keys   distributed by platform_id  (dedupe is a single-shard lookup)
--   items       distributed by id, co-located with provenance (item_id)
--   provenance  distributed by item_id
--   actors      reference table (small, joined to every item read)
--   files, findings, protected_domains, item_counts, store_meta, coord_*  reference tables
--   coord_parts distributed by run
-- Text columns that are sorted or compared to the embedded store's order use the "C" collation
-- (bytewise, as SQLite does).

CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;

-- Full-text configuration: the `simple` parser and dictionary (no stemming, so no language is
-- favoured) behind `unaccent`, so case and diacritics are ignored (Polish ł included).
CREATE TEXT SEARCH CONFIGURATION skydas_fts (COPY = pg_catalog.simple);
ALTER TEXT SEARCH CONFIGURATION skydas_fts
    ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, simple;

-- AND of many tsqueries, for multi-term searches.
CREATE AGGREGATE tsquery_and_all (tsquery) (SFUNC = tsquery_and, STYPE = tsquery);

CREATE TABLE files (
    id               BIGSERIAL PRIMARY KEY,
    sha256           TEXT    COLLATE "C" NOT NULL UNIQUE,
    path             TEXT    NOT NULL,
    size             BIGINT  NOT NULL,
    importer         TEXT    NOT NULL,
    importer_version INTEGER NOT NULL,
    status           TEXT    NOT NULL DEFAULT 'partial' CHECK (status IN ('partial', 'complete')),
    items            BIGINT  NOT NULL DEFAULT 0,
    errors           BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE actors (
    id          BIGSERIAL PRIMARY KEY,
    platform    TEXT   COLLATE "C" NOT NULL,
    platform_id TEXT   COLLATE "C" NOT NULL,
    kind        TEXT   NOT NULL,
    handle      TEXT,
    name        TEXT,
    created_at  BIGINT,
    followers   BIGINT,
    UNIQUE (platform, platform_id)
);

CREATE INDEX actors_by_handle ON actors (lower(handle));

CREATE TABLE item_keys (
    id          BIGSERIAL PRIMARY KEY,
    platform    TEXT   COLLATE "C" NOT NULL,
    platform_id TEXT   COLLATE "C" NOT NULL,
    time        BIGINT NOT NULL,
    UNIQUE (platform, platform_id)
);

CREATE TABLE items (
    id          BIGINT  NOT NULL,
    time        BIGINT  NOT NULL,
    platform    TEXT    COLLATE "C" NOT NULL,
    platform_id TEXT    COLLATE "C" NOT NULL,
    actor_id    BIGINT  NOT NULL,
    kind        TEXT    NOT NULL,
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
    fts         TSVECTOR GENERATED ALWAYS AS (to_tsvector('skydas_fts'::regconfig, text)) STORED,
    PRIMARY KEY (time, id)
) PARTITION BY RANGE (time);

CREATE INDEX items_by_id ON items (id);
CREATE INDEX items_fts ON items USING gin (fts);

-- One row per (item, file, place in the file). loc_kind: 0 line, 1 byte offset, 2 record index.
CREATE TABLE provenance (
    item_id          BIGINT   NOT NULL,
    file_id          BIGINT   NOT NULL,
    loc_kind         SMALLINT NOT NULL,
    loc              BIGINT   NOT NULL,
    importer         TEXT     NOT NULL,
    importer_version INTEGER  NOT NULL,
    PRIMARY KEY (item_id, file_id, loc_kind, loc)
);

CREATE TABLE findings (
    id         TEXT             COLLATE "C" PRIMARY KEY,
    kind       TEXT             COLLATE "C" NOT NULL,
    score      DOUBLE PRECISION NOT NULL,
    first_seen BIGINT           NOT NULL,
    last_seen  BIGINT           NOT NULL,
    body       TEXT             NOT NULL,
    status     TEXT             NOT NULL DEFAULT 'new'
                                CHECK (status IN ('new', 'confirmed', 'dismissed')),
    note       TEXT             NOT NULL DEFAULT '',
    tlp        TEXT             NOT NULL DEFAULT 'amber',
    updated_at BIGINT           NOT NULL
);

CREATE INDEX findings_by_kind ON findings (kind, score DESC, id);

CREATE TABLE protected_domains (
    domain  TEXT COLLATE "C" PRIMARY KEY,
    country TEXT NOT NULL,
    kind    TEXT NOT NULL,
    note    TEXT NOT NULL
);

-- Items per platform and language ('' when unknown), kept by each insert batch.
CREATE TABLE item_counts (
    platform TEXT   COLLATE "C" NOT NULL,
    lang     TEXT   COLLATE "C" NOT NULL,
    items    BIGINT NOT NULL,
    PRIMARY KEY (platform, lang)
);

CREATE TABLE store_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
