-- Okta System Log events (GET /api/v1/logs, eventType
-- user.authentication.sso or user.session.start) -> canonical activity.
-- The application is the event's first AppInstance target; a plain Okta
-- sign-in may have none. The payload (about 2 KB) is parsed once, into the
-- fields used.
WITH parsed AS (
    SELECT
        *,
        json_transform(payload, '{
            "eventType": "VARCHAR",
            "published": "VARCHAR",
            "actor": {"id": "VARCHAR", "alternateId": "VARCHAR"},
            "outcome": {"result": "VARCHAR"},
            "target": [{"type": "VARCHAR", "id": "VARCHAR", "displayName": "VARCHAR"}]
        }') AS j
    FROM raw_okta__activity
),
events AS (
    SELECT
        *,
        blank_as_null(j.eventType) AS event_type_text,
        list_filter(j.target, lambda t: t.type = 'AppInstance')[1] AS app
    FROM parsed
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    text_ts(j.published)                          AS occurred_at,
    CASE event_type_text
        WHEN 'user.authentication.sso' THEN 'sso'
        WHEN 'user.session.start'      THEN 'sign_in'
        ELSE event_type_text
    END                                           AS event_type,
    event_type_text                               AS vendor_event_type,
    blank_as_null(j.actor.id)                     AS account_source_id,
    blank_as_null(j.actor.alternateId)            AS actor_login,
    app.id                                        AS application_source_id,
    app.displayName                               AS application_name,
    -- ALLOW is what policy-evaluation events report for a granted access.
    coalesce(blank_as_null(j.outcome.result) IN ('SUCCESS', 'ALLOW'), false) AS succeeded,
    snapshot_id
FROM events
