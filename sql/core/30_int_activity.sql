-- One row per activity event, deduplicated like accounts: a System Log event
-- read by two instances, or twice across pages, counts once. application_id
-- is the merged application (int_application_sources); an event into an
-- application its source did not list keeps the source's id of it.
-- Almost every event was staged once: its lineage is its own row. Only
-- events with several copies are grouped for their lineage and ranked
-- (grouping every event with list aggregates, and joining that back, was
-- most of this step). Copies are found by the hash of their key, which
-- groups six million events far faster than the three strings (4.0 s of
-- 4.9 s at 100,000 people); a collision only sends a single-copy event
-- down the grouped path, which gives it the same row.
WITH copied AS (
    SELECT hash(connector_type, tenant, source_id) AS key_hash
    FROM stg_activity
    GROUP BY ALL
    HAVING count(*) > 1
),
lineage AS (
    SELECT
        connector_type,
        tenant,
        source_id,
        list_sort(list_distinct(list(connector))) AS connectors,
        min(snapshot_id) AS first_snapshot_id
    FROM stg_activity AS e
    SEMI JOIN copied AS c ON hash(e.connector_type, e.tenant, e.source_id) = c.key_hash
    GROUP BY ALL
),
-- The copy that describes the event: the freshest, then by instance name,
-- then by the row's hash (sql/README.md: copies tying on all three are the
-- same row).
chosen AS (
    SELECT e.*, [e.connector] AS connectors, e.snapshot_id AS first_snapshot_id
    FROM stg_activity AS e
    ANTI JOIN copied AS c ON hash(e.connector_type, e.tenant, e.source_id) = c.key_hash
    UNION ALL
    SELECT e.*, l.connectors, l.first_snapshot_id
    FROM stg_activity AS e
    JOIN lineage AS l USING (connector_type, tenant, source_id)
    QUALIFY row_number() OVER (
        PARTITION BY e.connector_type, e.tenant, e.source_id
        ORDER BY e.extracted_at DESC, e.connector, hash(e)
    ) = 1
),
-- account_id hashes its key: once per account here, not once per event.
ids AS (
    SELECT connector_type, tenant, account_source_id,
           account_id(connector_type, tenant, account_source_id) AS account_id
    FROM (SELECT DISTINCT connector_type, tenant, account_source_id FROM stg_activity WHERE account_source_id IS NOT NULL)
)
-- The event's own id (source_id) stays behind: nothing after this reads it,
-- and at 100,000 people it was 41 bytes a row over six million rows.
SELECT
    c.connector_type,
    c.tenant,
    i.account_id,
    CASE WHEN c.application_source_id IS NOT NULL
         THEN coalesce(a.application_id, application_id(c.connector_type, c.tenant, c.application_source_id))
    END AS application_id,
    a.app_connector_type,
    c.occurred_at,
    c.event_type,
    c.succeeded,
    -- New: first staged by this snapshot; older copies are history kept
    -- for the activity window (sql/README.md, "Activity windows").
    c.first_snapshot_id = p.snapshot_id AS is_new,
    c.connectors
FROM chosen AS c
JOIN ids AS i USING (connector_type, tenant, account_source_id)
LEFT JOIN int_application_sources AS a
  ON a.connector_type = c.connector_type AND a.tenant = c.tenant AND a.source_id = c.application_source_id
CROSS JOIN params AS p
WHERE c.account_source_id IS NOT NULL
