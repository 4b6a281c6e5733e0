-- Billable members (team.billableInfo entries with billing_active true; the
-- connector stages only those, keyed by user id) -> canonical
-- license_assignments of the workspace plan. Slack does not say when a
-- member became billable.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    source_id                  AS account_source_id,
    'workspace-plan'           AS subscription_source_id,
    CAST(NULL AS VARCHAR)      AS sku,
    'direct'                   AS assignment_type,
    CASE WHEN coalesce(CAST(payload ->> '$.billing_active' AS BOOLEAN), false) THEN 'active' ELSE 'inactive' END AS status,
    CAST(NULL AS TIMESTAMPTZ)  AS assigned_at
FROM raw_slack__license_assignments
