-- Okta System Log events (GET /api/v1/logs, eventType
-- user.authentication.sso or user.session.start) -> canonical activity.
-- The application is the event's first AppInstance target; a plain Okta
-- sign-in may have none.
WITH events AS (
    SELECT
        *,
        list_filter(
            from_json(payload -> '$.target',
                      '[{"type": "VARCHAR", "id": "VARCHAR", "displayName": "VARCHAR"}]'),
            lambda t: t.type = 'AppInstance'
        )[1] AS app
    FROM raw_okta__activity
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_ts(payload, '$.published')               AS occurred_at,
    CASE json_text(payload, '$.eventType')
        WHEN 'user.authentication.sso' THEN 'sso'
        WHEN 'user.session.start'      THEN 'sign_in'
        ELSE json_text(payload, '$.eventType')
    END                                           AS event_type,
    json_text(payload, '$.eventType')             AS vendor_event_type,
    json_text(payload, '$.actor.id')              AS account_source_id,
    json_text(payload, '$.actor.alternateId')     AS actor_login,
    app.id                                        AS application_source_id,
    app.displayName                               AS application_name,
    -- ALLOW is what policy-evaluation events report for a granted access.
    coalesce(json_text(payload, '$.outcome.result') IN ('SUCCESS', 'ALLOW'), false) AS succeeded,
    snapshot_id
FROM events
