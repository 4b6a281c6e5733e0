-- The workspace plan (team.billing.info) -> canonical subscriptions, one
-- per workspace. Under Slack's Fair Billing Policy a workspace pays for its
-- active members, so there is no purchased seat count (NULL); the seats
-- consumed are the members team.billableInfo reports billing_active in the
-- same snapshot of the same workspace. Slack states no price.
WITH billed AS (
    SELECT snapshot_id, tenant, count(DISTINCT source_id) AS n
    FROM raw_slack__license_assignments
    GROUP BY ALL
)
SELECT
    s.connector,
    s.connector_type,
    s.tenant,
    s.source_id,
    s.extracted_at,
    coalesce(json_text(s.payload, '$.plan'), 'free') AS sku,
    CASE coalesce(json_text(s.payload, '$.plan'), '')
        WHEN ''           THEN 'Slack Free'
        WHEN 'std'        THEN 'Slack Pro'
        WHEN 'plus'       THEN 'Slack Business+'
        WHEN 'compliance' THEN 'Slack Enterprise Select'
        WHEN 'enterprise' THEN 'Slack Enterprise Grid'
        ELSE 'Slack ' || json_text(s.payload, '$.plan')
    END                                              AS name,
    'active'                                         AS status,
    CAST(NULL AS BIGINT)                             AS purchased_units,
    CAST(NULL AS BIGINT)                             AS suspended_units,
    CAST(coalesce(b.n, 0) AS BIGINT)                 AS assigned_units,
    CAST(NULL AS DOUBLE)                             AS unit_cost,
    CAST(NULL AS VARCHAR)                            AS currency
FROM raw_slack__subscriptions AS s
LEFT JOIN billed AS b ON b.snapshot_id = s.snapshot_id AND b.tenant = s.tenant
