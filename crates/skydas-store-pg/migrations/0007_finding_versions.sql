-- Skydas store schema, version 7 (PostgreSQL). See the embedded store's 0007.
CREATE TABLE finding_versions (
    finding_id      TEXT             COLLATE "C" NOT NULL,
    version         INTEGER          NOT NULL CHECK (version >= 1),
    at              BIGINT           NOT NULL,
    members_in      TEXT             NOT NULL,
    members_out     TEXT             NOT NULL,
    evidence_before BIGINT           NOT NULL,
    evidence_after  BIGINT           NOT NULL,
    score_before    DOUBLE PRECISION,
    score_after     DOUBLE PRECISION NOT NULL,
    split_from      TEXT,
    merged          TEXT             NOT NULL DEFAULT '[]',
    PRIMARY KEY (finding_id, version)
);

INSERT INTO finding_versions
    (finding_id, version, at, members_in, members_out, evidence_before, evidence_after,
     score_before, score_after, split_from, merged)
SELECT f.id, 1, f.updated_at,
       coalesce((SELECT json_agg(k ORDER BY k COLLATE "C")::text
                 FROM (SELECT (a ->> 'platform') || ':' || (a ->> 'id') AS k
                       FROM json_array_elements(f.body::json -> 'actors') AS a) m),
                '[]'),
       '[]', 0, coalesce(json_array_length(f.body::json -> 'evidence'), 0), NULL, f.score, NULL,
       '[]'
FROM findings f;
