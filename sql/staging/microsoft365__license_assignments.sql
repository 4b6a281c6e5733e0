-- Microsoft 365 license assignments, derived from the users listing
-- (raw_microsoft365__users; the connector declares DerivedFrom users): one
-- row per (user, SKU) in assignedLicenses or licenseAssignmentStates.
-- A user may hold one SKU both directly and through one or more groups
-- (several states, one license): the assignment is direct when any state
-- has no assigning group, since removing the groups would leave the seat
-- taken; group otherwise. Its status is that state's, lowercased (active,
-- activewitherror, disabled, error); NULL when only assignedLicenses is
-- known. Graph does not say when a license was assigned.
WITH users AS (
    SELECT
        connector,
        connector_type,
        tenant,
        source_id,
        extracted_at,
        coalesce(j.assignedLicenses, [])        AS assigned,
        coalesce(j.licenseAssignmentStates, []) AS states
    FROM (
        -- The payload parsed once, into the fields used.
        SELECT
            *,
            json_transform(payload, '{
                "assignedLicenses": [{"skuId": "VARCHAR"}],
                "licenseAssignmentStates": [{"skuId": "VARCHAR", "assignedByGroup": "VARCHAR", "state": "VARCHAR"}]
            }') AS j
        FROM raw_microsoft365__users
    )
),
skus AS (
    SELECT
        *,
        unnest(list_distinct(list_transform(assigned, a -> a.skuId) || list_transform(states, s -> s.skuId))) AS sku_id
    FROM users
),
per_sku AS (
    SELECT
        *,
        list_filter(states, s -> s.skuId = sku_id)                               AS sku_states,
        list_filter(states, s -> s.skuId = sku_id AND s.assignedByGroup IS NULL) AS direct_states
    FROM skus
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id || '/' || sku_id         AS source_id,
    extracted_at,
    source_id                          AS account_source_id,
    sku_id                             AS subscription_source_id,
    CAST(NULL AS VARCHAR)              AS sku,
    CASE
        WHEN len(sku_states) = 0 OR len(direct_states) > 0 THEN 'direct'
        ELSE 'group'
    END                                AS assignment_type,
    lower(coalesce(direct_states[1].state, sku_states[1].state)) AS status,
    CAST(NULL AS TIMESTAMPTZ)          AS assigned_at
FROM per_sku
