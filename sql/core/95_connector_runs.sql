-- Dataset connector_runs: what each connector instance did for this
-- snapshot, as reported by the pipeline. rows_by_entity keys are sorted.
WITH entity_rows AS (
    SELECT
        connector,
        map_from_entries(list((entity, row_count) ORDER BY entity)) AS rows_by_entity,
        sum(row_count) AS rows_total
    FROM input_connector_run_rows
    GROUP BY connector
)
SELECT
    p.snapshot_date,
    r.connector,
    r.connector_type,
    t.vendor,
    t.product,
    r.tenant,
    r.status,
    r.stale,
    r.data_as_of,
    CAST(coalesce(e.rows_total, 0) AS BIGINT) AS rows_total,
    coalesce(e.rows_by_entity, CAST(MAP() AS MAP(VARCHAR, BIGINT))) AS rows_by_entity,
    r.requests,
    r.throttled,
    r.retries,
    r.duration_seconds,
    r.error,
    [r.connector] AS connectors
FROM input_connector_runs AS r
LEFT JOIN connector_types AS t USING (connector_type)
LEFT JOIN entity_rows AS e USING (connector)
CROSS JOIN params AS p
