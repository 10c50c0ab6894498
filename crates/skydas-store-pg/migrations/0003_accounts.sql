-- Accounts, sessions, API tokens and the audit log of the web app (PostgreSQL), the same data as
-- the embedded store's, so that accounts and audit live in the database that holds the items.

CREATE TABLE orgs (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT   COLLATE "C" NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT    COLLATE "C" NOT NULL UNIQUE,
    org_id        BIGINT  NOT NULL REFERENCES orgs (id),
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'analyst', 'viewer')),
    -- PHC string (argon2id); the store never sees a password.
    password_hash TEXT    NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT false,
    created_at    BIGINT  NOT NULL
);

-- Only the SHA-256 of session and token values is kept: a copy of the database logs no one in.
CREATE TABLE sessions (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    csrf       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    token_hash TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    label      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- Append-only and hash-chained: hash = SHA-256(prev_hash || canonical row), computed by the
-- application exactly as the embedded store does. The triggers are defence in depth; `audit
-- verify` recomputes the chain and catches edits made around them.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    time      BIGINT NOT NULL,
    user_name TEXT   NOT NULL,
    org       TEXT   NOT NULL,
    action    TEXT   NOT NULL,
    target    TEXT   NOT NULL,
    detail    TEXT   NOT NULL,
    prev_hash TEXT   NOT NULL,
    hash      TEXT   NOT NULL
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The last seq and hash, written in the same transaction as each row, so that deleting the
-- newest rows is detected too.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);

-- The findings list reads the parsed body (summary, DISARM ids, actors) instead of parsing the
-- JSON text per request; the actor index serves "findings naming this actor".
ALTER TABLE findings ADD COLUMN doc JSONB GENERATED ALWAYS AS (body::jsonb) STORED;
CREATE INDEX findings_by_score ON findings (score DESC, id);
CREATE INDEX findings_by_actor ON findings USING gin ((doc -> 'actors') jsonb_path_ops);
