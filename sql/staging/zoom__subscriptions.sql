-- Zoom plans (GET /accounts/me/plans/usage, one record per seat plan, its
-- source id the plan's key: plan_base, or plan_webinar/<type> for the
-- elements of a list) -> canonical subscriptions. hosts are the seats
-- bought, usage the seats held; the answer states no price.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    source_id                                        AS sku,
    CASE split_part(source_id, '/', 1)
        WHEN 'plan_base'          THEN 'Zoom Workplace'
        WHEN 'plan_large_meeting' THEN 'Zoom Large Meetings'
        WHEN 'plan_webinar'       THEN 'Zoom Webinars'
        WHEN 'plan_zoom_rooms'    THEN 'Zoom Rooms'
        WHEN 'plan_zoom_events'   THEN 'Zoom Events'
        ELSE split_part(source_id, '/', 1)
    END || coalesce(' (' || json_text(payload, '$.type') || ')', '') AS name,
    'active'                                         AS status,
    CAST(payload ->> '$.hosts' AS BIGINT)            AS purchased_units,
    CAST(NULL AS BIGINT)                             AS suspended_units,
    CAST(payload ->> '$.usage' AS BIGINT)            AS assigned_units,
    CAST(NULL AS DOUBLE)                             AS unit_cost,
    CAST(NULL AS VARCHAR)                            AS currency
FROM raw_zoom__subscriptions
