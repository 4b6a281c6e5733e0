-- One row per activity event, deduplicated like accounts: a System Log event
-- read by two instances, or twice across pages, counts once. application_id
-- is the merged application (int_application_sources); an event into an
-- application its source did not list keeps the source's id of it.
WITH lineage AS (
    SELECT
        connector_type,
        tenant,
        source_id,
        list(DISTINCT connector ORDER BY connector) AS connectors,
        min(snapshot_id) AS first_snapshot_id
    FROM stg_activity
    GROUP BY ALL
),
chosen AS (
    SELECT *
    FROM stg_activity AS e
    QUALIFY row_number() OVER (
        PARTITION BY connector_type, tenant, source_id
        ORDER BY extracted_at DESC, connector, CAST(e AS VARCHAR)
    ) = 1
)
SELECT
    c.connector_type,
    c.tenant,
    c.source_id,
    account_id(c.connector_type, c.tenant, c.account_source_id) AS account_id,
    CASE WHEN c.application_source_id IS NOT NULL
         THEN coalesce(a.application_id, application_id(c.connector_type, c.tenant, c.application_source_id))
    END AS application_id,
    a.app_connector_type,
    c.occurred_at,
    c.event_type,
    c.succeeded,
    -- New: first staged by this snapshot; older copies are history kept
    -- for the activity window (sql/README.md, "Activity windows").
    l.first_snapshot_id = p.snapshot_id AS is_new,
    l.connectors
FROM chosen AS c
JOIN lineage AS l USING (connector_type, tenant, source_id)
LEFT JOIN int_application_sources AS a
  ON a.connector_type = c.connector_type AND a.tenant = c.tenant AND a.source_id = c.application_source_id
CROSS JOIN params AS p
WHERE c.account_source_id IS NOT NULL
