-- Google license assignments (licenseAssignments.listForProduct) ->
-- canonical license_assignments. Google names the user by primary e-mail
-- (userId), so the account is the user of the same tenant with that
-- primaryEmail; NULL when that user was not staged. The License Manager
-- reports no assignment date.
WITH users_by_email AS (
    SELECT tenant, lower(payload ->> '$.primaryEmail') AS email, min(source_id) AS account_source_id
    FROM raw_google_workspace__users
    GROUP BY ALL
),
assigns AS (
    -- The payload parsed once, into the fields used.
    SELECT
        *,
        json_transform(payload, '{"productId": "VARCHAR", "skuId": "VARCHAR", "userId": "VARCHAR"}') AS j
    FROM raw_google_workspace__license_assignments
)
SELECT
    l.connector,
    l.connector_type,
    l.tenant,
    l.source_id,
    l.extracted_at,
    a.account_source_id,
    blank_as_null(l.j.productId) || '/' || blank_as_null(l.j.skuId) AS subscription_source_id,
    blank_as_null(l.j.skuId)           AS sku,
    'direct'                           AS assignment_type,
    'active'                           AS status,
    CAST(NULL AS TIMESTAMPTZ)          AS assigned_at
FROM assigns AS l
LEFT JOIN users_by_email AS a
    ON a.tenant = l.tenant AND a.email = lower(l.j.userId)
