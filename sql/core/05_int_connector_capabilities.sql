-- Effective capabilities of every connector instance of this snapshot, one
-- row per (instance, capability): what the connector reported of its tenant
-- at run time when it did (a Microsoft 365 tenant without Entra ID P1 has no
-- sign-in activity, Slack's free plan no access logs), else what its type
-- declares. Instances are those the pipeline ran and those that staged
-- any record (input_staged_files, which names the files' instances without
-- reading them), so a test or a carried-forward file without a run record
-- still gets its type's capabilities.
WITH instances AS (
    SELECT connector, connector_type FROM input_connector_runs
    UNION SELECT connector, connector_type FROM input_staged_files WHERE row_count > 0
),
declared AS (
    SELECT i.connector, i.connector_type, d.capability, d.available
    FROM instances AS i
    JOIN connector_type_capabilities AS d USING (connector_type)
),
reported AS (
    SELECT r.connector, i.connector_type, r.capability, r.available, r.reason
    FROM input_connector_capabilities AS r
    JOIN instances AS i USING (connector)
)
SELECT
    connector,
    connector_type,
    capability,
    coalesce(r.available, d.available) AS available,
    d.available                        AS declared,
    r.available IS NOT NULL            AS reported,
    r.reason
FROM declared AS d
FULL JOIN reported AS r USING (connector, connector_type, capability)
