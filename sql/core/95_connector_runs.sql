-- Dataset connector_runs: what each connector instance did for this
-- snapshot, as reported by the pipeline. rows_by_entity keys are sorted.
-- capabilities are the effective ones (int_connector_capabilities): what the
-- connector reported of its tenant, else what its type declares; the
-- unavailable ones carry the reason, so an analyst sees why a tenant's
-- accounts are not_monitored.
WITH entity_rows AS (
    SELECT
        connector,
        map_from_entries(list((entity, row_count) ORDER BY entity)) AS rows_by_entity,
        sum(row_count) AS rows_total
    FROM input_connector_run_rows
    GROUP BY connector
),
caps AS (
    SELECT
        connector,
        map_from_entries(list((capability, available) ORDER BY capability)) AS capabilities,
        map_from_entries(coalesce(
            list((capability, coalesce(reason, CASE WHEN reported THEN 'reported unavailable by the connector'
                                                    ELSE 'not offered by the connector type' END))
                 ORDER BY capability) FILTER (WHERE NOT available),
            [])) AS unavailable_capabilities
    FROM int_connector_capabilities
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
    coalesce(c.capabilities, CAST(MAP() AS MAP(VARCHAR, BOOLEAN))) AS capabilities,
    coalesce(c.unavailable_capabilities, CAST(MAP() AS MAP(VARCHAR, VARCHAR))) AS unavailable_capabilities,
    [r.connector] AS connectors
FROM input_connector_runs AS r
LEFT JOIN connector_types AS t USING (connector_type)
LEFT JOIN entity_rows AS e USING (connector)
LEFT JOIN caps AS c USING (connector)
CROSS JOIN params AS p
