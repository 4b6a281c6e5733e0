-- Zoom license assignments, mapped from the users' records (the connector
-- declares license_assignments DerivedFrom users): a user of type 2
-- (Licensed) holds a seat of the base plan, whatever its status, since an
-- inactive or pending licensed user still takes a seat. Basic users hold
-- none, so this is the one staging file with fewer rows than its raw
-- table. Zoom does not say when the license was given. The assignment's
-- state is 'assigned': the user's status (active, inactive, pending) is
-- the account's, and read here it would make holds_seat drop the seats of
-- deactivated users, who are exactly the reclaimable ones.
SELECT
    connector,
    connector_type,
    tenant,
    source_id || '/plan_base'                        AS source_id,
    extracted_at,
    source_id                                        AS account_source_id,
    'plan_base'                                      AS subscription_source_id,
    'plan_base'                                      AS sku,
    'direct'                                         AS assignment_type,
    'assigned'                                       AS status,
    CAST(NULL AS TIMESTAMPTZ)                        AS assigned_at
FROM raw_zoom__users
WHERE json_text(payload, '$.type') = '2'
