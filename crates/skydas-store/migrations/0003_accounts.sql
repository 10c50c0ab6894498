-- Accounts, sessions, API tokens, the audit log and finding summaries (SQLite).
--
-- Every statement is idempotent (IF NOT EXISTS, INSERT OR IGNORE) so that the file can be applied
-- both as a numbered migration and on first use by `accounts::Accounts::open`.

-- Organisations exist from the start: sharing with partners is by organisation.
CREATE TABLE IF NOT EXISTS orgs (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    org_id        INTEGER NOT NULL REFERENCES orgs (id),
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    -- PHC string (argon2id); the store never sees a password.
    password_hash TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

-- Browser sessions and API tokens are random values held by the client; only their SHA-256 is
-- kept, so a copy of the database does not log anyone in.
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS api_tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    label      TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

-- Append-only and hash-chained: hash = SHA-256(prev_hash || canonical row). The triggers are
-- defence in depth; `audit verify` recomputes the chain and catches edits made around them.
CREATE TABLE IF NOT EXISTS audit_log (
    seq       INTEGER PRIMARY KEY,
    time      INTEGER NOT NULL,
    user      TEXT    NOT NULL,
    org       TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);

CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- The last seq and hash, written in the same transaction as each row, so that deleting the
-- newest rows is detected too.
CREATE TABLE IF NOT EXISTS audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);

-- What the findings list shows, kept beside each finding's JSON body by triggers so that listing
-- a thousand findings parses none of them. `disarm` and `actor_keys` are space-separated with a
-- space at both ends, so a whole-token match is `instr(col, ' ' || ?1 || ' ')`.
CREATE TABLE IF NOT EXISTS finding_summaries (
    id         TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    score      REAL    NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    summary    TEXT    NOT NULL,
    disarm     TEXT    NOT NULL,
    actors     INTEGER NOT NULL,
    evidence   INTEGER NOT NULL,
    domain     TEXT,
    actor_keys TEXT    NOT NULL
);

CREATE INDEX IF NOT EXISTS finding_summaries_by_score ON finding_summaries (score DESC, id);

CREATE TRIGGER IF NOT EXISTS finding_summaries_insert AFTER INSERT ON findings
BEGIN
    -- Delete then insert: an outer statement's conflict clause would override OR REPLACE here.
    DELETE FROM finding_summaries WHERE id = NEW.id;
    INSERT INTO finding_summaries
    SELECT NEW.id, NEW.kind, NEW.score, NEW.first_seen, NEW.last_seen,
           coalesce(json_extract(NEW.body, '$.summary'), ''),
           ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(NEW.body, '$.disarm')), '') || ' ',
           coalesce(json_array_length(NEW.body, '$.actors'), 0),
           coalesce(json_array_length(NEW.body, '$.evidence'), 0),
           json_extract(NEW.body, '$.domain'),
           ' ' || coalesce((SELECT group_concat(json_extract(value, '$.platform') || ':' || json_extract(value, '$.id'), ' ')
                            FROM json_each(NEW.body, '$.actors')), '') || ' ';
END;

CREATE TRIGGER IF NOT EXISTS finding_summaries_update AFTER UPDATE OF body ON findings
BEGIN
    -- Delete then insert: an outer statement's conflict clause would override OR REPLACE here.
    DELETE FROM finding_summaries WHERE id = NEW.id;
    INSERT INTO finding_summaries
    SELECT NEW.id, NEW.kind, NEW.score, NEW.first_seen, NEW.last_seen,
           coalesce(json_extract(NEW.body, '$.summary'), ''),
           ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(NEW.body, '$.disarm')), '') || ' ',
           coalesce(json_array_length(NEW.body, '$.actors'), 0),
           coalesce(json_array_length(NEW.body, '$.evidence'), 0),
           json_extract(NEW.body, '$.domain'),
           ' ' || coalesce((SELECT group_concat(json_extract(value, '$.platform') || ':' || json_extract(value, '$.id'), ' ')
                            FROM json_each(NEW.body, '$.actors')), '') || ' ';
END;

CREATE TRIGGER IF NOT EXISTS finding_summaries_delete AFTER DELETE ON findings
BEGIN
    DELETE FROM finding_summaries WHERE id = OLD.id;
END;

-- Findings stored before this schema existed.
INSERT OR IGNORE INTO finding_summaries
SELECT f.id, f.kind, f.score, f.first_seen, f.last_seen,
       coalesce(json_extract(f.body, '$.summary'), ''),
       ' ' || coalesce((SELECT group_concat(value, ' ') FROM json_each(f.body, '$.disarm')), '') || ' ',
       coalesce(json_array_length(f.body, '$.actors'), 0),
       coalesce(json_array_length(f.body, '$.evidence'), 0),
       json_extract(f.body, '$.domain'),
       ' ' || coalesce((SELECT group_concat(json_extract(value, '$.platform') || ':' || json_extract(value, '$.id'), ' ')
                        FROM json_each(f.body, '$.actors')), '') || ' '
FROM findings f;
