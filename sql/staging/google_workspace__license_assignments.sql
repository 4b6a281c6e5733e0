-- Google license assignments (licenseAssignments.listForProduct) ->
-- canonical license_assignments. Google names the user by primary e-mail
-- (userId), so the account is the user of the same tenant with that
-- primaryEmail; NULL when that user was not staged. The License Manager
-- reports no assignment date.
WITH accounts AS (
    SELECT tenant, lower(payload ->> '$.primaryEmail') AS email, min(source_id) AS account_source_id
    FROM raw_google_workspace__users
    GROUP BY ALL
)
SELECT
    l.connector,
    l.connector_type,
    l.tenant,
    l.source_id,
    l.extracted_at,
    a.account_source_id,
    json_text(l.payload, '$.productId') || '/' || json_text(l.payload, '$.skuId') AS subscription_source_id,
    json_text(l.payload, '$.skuId')    AS sku,
    'direct'                           AS assignment_type,
    'active'                           AS status,
    CAST(NULL AS TIMESTAMPTZ)          AS assigned_at
FROM raw_google_workspace__license_assignments AS l
LEFT JOIN accounts AS a
    ON a.tenant = l.tenant AND a.email = lower(l.payload ->> '$.userId')
