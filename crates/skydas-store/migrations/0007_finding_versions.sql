-- Skydas store schema, version 7 (SQLite).
--
-- Finding versions: a re-analysis keeps a finding's id when it matches a stored one, and
-- records here what changed (members in and out as JSON arrays of `platform:id`, evidence and
-- score before and after) and which findings it took over (`split_from`, `merged`, a JSON
-- array of ids). Numbered from 1 per finding; removed with the finding.
CREATE TABLE finding_versions (
    finding_id      TEXT    NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    at              INTEGER NOT NULL,
    members_in      TEXT    NOT NULL,
    members_out     TEXT    NOT NULL,
    evidence_before INTEGER NOT NULL,
    evidence_after  INTEGER NOT NULL,
    score_before    REAL,
    score_after     REAL    NOT NULL,
    split_from      TEXT,
    merged          TEXT    NOT NULL DEFAULT '[]',
    PRIMARY KEY (finding_id, version)
);

-- Findings stored before versions existed start at version 1: every member joined then
-- (sorted bytewise, as the app writes them).
INSERT INTO finding_versions
    (finding_id, version, at, members_in, members_out, evidence_before, evidence_after,
     score_before, score_after, split_from, merged)
SELECT f.id, 1, f.updated_at,
       (SELECT json_group_array(k)
        FROM (SELECT json_extract(a.value, '$.platform') || ':' || json_extract(a.value, '$.id') AS k
              FROM json_each(f.body, '$.actors') a ORDER BY k)),
       '[]', 0, coalesce(json_array_length(f.body, '$.evidence'), 0), NULL, f.score, NULL, '[]'
FROM findings f;
