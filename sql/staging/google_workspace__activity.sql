-- Google activity -> canonical activity. Two kinds of record:
-- admin#reports#activity, a login audit event (login_success and
-- login_failure are sign-ins; other names such as logout keep Google's
-- name), and admin#reports#usageReport, a user usage report whose latest
-- last-activity parameter (last sign-in, last Gmail interaction) is one
-- observed use at that time (event_type last_activity). The acting account
-- is actor.profileId or entity.profileId, the Directory user id. Google
-- Workspace itself is the application, so application_source_id is NULL.
WITH recs AS (
    SELECT
        *,
        json_text(payload, '$.kind') AS kind,
        json_text(payload, '$.events[0].name') AS event_name,
        list_max(list_transform(
            from_json(payload -> '$.parameters', '[{"name": "VARCHAR", "datetimeValue": "VARCHAR"}]'),
            lambda p: CAST(nullif(trim(p.datetimeValue), '') AS TIMESTAMPTZ))) AS usage_at
    FROM raw_google_workspace__activity
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    CASE WHEN kind = 'admin#reports#usageReport' THEN usage_at
         ELSE json_ts(payload, '$.id.time') END                  AS occurred_at,
    CASE
        WHEN kind = 'admin#reports#usageReport'                THEN 'last_activity'
        WHEN event_name IN ('login_success', 'login_failure')  THEN 'sign_in'
        ELSE event_name
    END                                                          AS event_type,
    CASE WHEN kind = 'admin#reports#usageReport' THEN 'usage_report'
         ELSE event_name END                                     AS vendor_event_type,
    coalesce(json_text(payload, '$.actor.profileId'), json_text(payload, '$.entity.profileId')) AS account_source_id,
    coalesce(json_text(payload, '$.actor.email'), json_text(payload, '$.entity.userEmail'))     AS actor_login,
    CAST(NULL AS VARCHAR)                                        AS application_source_id,
    'Google Workspace'                                           AS application_name,
    CASE WHEN kind = 'admin#reports#usageReport' THEN true
         ELSE coalesce(event_name = 'login_success', false) END  AS succeeded,
    snapshot_id
FROM recs
