-- The history before the first snapshot: no versions, in the shape of a
-- published history file.
CREATE OR REPLACE TEMP TABLE hist_prev_raw AS
SELECT *, NULL::DATE AS valid_from, NULL::DATE AS valid_to, NULL::BOOLEAN AS is_current,
       NULL::VARCHAR AS change_type, NULL::VARCHAR[] AS changed_fields
FROM hist_source()
LIMIT 0;
