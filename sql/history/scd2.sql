-- Folds one snapshot into a type-2 history. In: hist_prev_raw (the history
-- published with the previous snapshot, or empty_prev.sql), hist_day (one
-- row: d, this snapshot's date) and the dataset macros hist_source,
-- hist_key, hist_val. Out: main.hist_out, the history as of hist_day, which
-- the caller renames to the history dataset (copying it there cost a second
-- per million versions); a caller folding several datasets at once gives
-- each its own name for it.
--
-- A version is valid from the snapshot that first showed its tracked
-- values until (exclusive) the snapshot that showed them changed or the key
-- gone; valid_to is NULL while it still holds. change_type says how the
-- version began: created (key never seen), changed (values differ from the
-- version it closes) or restored (the key had gone and came back).
-- changed_fields names the tracked fields that differ from the key's
-- previous version, in field order. Only hist_day's date enters the rows,
-- so a rebuild from the same inputs gives the same rows.

CREATE OR REPLACE TEMP MACRO hist_changed(a, b) AS
    list_filter(json_keys(to_json(b)),
        f -> json_extract(to_json(a), '$."' || f || '"') IS DISTINCT FROM json_extract(to_json(b), '$."' || f || '"'));

CREATE OR REPLACE TEMP TABLE hist_c AS
SELECT hist_key(t) AS k, hist_val(t) AS v FROM hist_source() AS t;

CREATE OR REPLACE TEMP TABLE hist_p AS
SELECT hist_key(t) AS k, hist_val(t) AS v, t.valid_from, t.valid_to, t.change_type, t.changed_fields
FROM hist_prev_raw AS t;

CREATE OR REPLACE TABLE main.hist_out AS
WITH
last_version AS (
    SELECT * FROM hist_p
    QUALIFY row_number() OVER (PARTITION BY k ORDER BY valid_from DESC) = 1
),
kept AS (
    SELECT p.k, p.v, p.valid_from,
           CASE
               WHEN p.valid_to IS NOT NULL THEN p.valid_to
               WHEN c.k IS NULL OR c.v IS DISTINCT FROM p.v THEN (SELECT d FROM hist_day)
           END AS valid_to,
           p.change_type, p.changed_fields
    FROM hist_p AS p
    LEFT JOIN hist_c AS c ON p.valid_to IS NULL AND c.k IS NOT DISTINCT FROM p.k
),
added AS (
    SELECT c.k, c.v, (SELECT d FROM hist_day) AS valid_from, NULL::DATE AS valid_to,
           CASE WHEN l.k IS NULL THEN 'created' WHEN l.valid_to IS NULL THEN 'changed' ELSE 'restored' END AS change_type,
           CASE WHEN l.k IS NULL THEN []::VARCHAR[] ELSE hist_changed(l.v, c.v) END AS changed_fields
    FROM hist_c AS c
    LEFT JOIN last_version AS l ON l.k IS NOT DISTINCT FROM c.k
    WHERE l.k IS NULL OR l.valid_to IS NOT NULL OR l.v IS DISTINCT FROM c.v
),
versions AS (
    SELECT * FROM kept
    UNION ALL
    SELECT * FROM added
)
SELECT (SELECT d FROM hist_day) AS snapshot_date, unnest(k), unnest(v),
       valid_from, valid_to, valid_to IS NULL AS is_current, change_type, changed_fields
FROM versions;
