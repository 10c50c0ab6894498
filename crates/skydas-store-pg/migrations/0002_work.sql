-- Bookkeeping of the distributed work bus (skydas-work).
--
-- Every write a worker makes for a message is keyed by the message's own id, so that a message
-- delivered twice (a worker died after committing but before acknowledging) changes nothing the
-- second time.

-- Import batches already stored, by batch id (file sha256 and batch number).
CREATE TABLE work_batches (
    batch_id   TEXT    COLLATE "C" PRIMARY KEY,
    file_sha   TEXT    COLLATE "C" NOT NULL,
    records    BIGINT  NOT NULL,
    new_items  BIGINT  NOT NULL,
    duplicates BIGINT  NOT NULL,
    done_at    BIGINT  NOT NULL
);

CREATE INDEX work_batches_by_file ON work_batches (file_sha);

-- One detection run fanned out to workers.
CREATE TABLE coord_runs (
    run        TEXT    COLLATE "C" PRIMARY KEY,
    partitions INTEGER NOT NULL,
    created_at BIGINT  NOT NULL
);

-- The co-occurring pairs of one key partition of one run, as the partition worker computed
-- them (compact JSON). Written once per (run, part): a redelivered task overwrites its own row
-- with the same content.
CREATE TABLE coord_parts (
    run     TEXT    COLLATE "C" NOT NULL,
    part    INTEGER NOT NULL,
    pairs   BIGINT  NOT NULL,
    body    BYTEA   NOT NULL,
    worker  TEXT    NOT NULL,
    done_at BIGINT  NOT NULL,
    PRIMARY KEY (run, part)
);
