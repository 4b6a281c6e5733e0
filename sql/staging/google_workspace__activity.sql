-- Google activity -> canonical activity. Two kinds of record:
-- admin#reports#activity, a login audit event (login_success and
-- login_failure are sign-ins; other names such as logout keep Google's
-- name), and admin#reports#usageReport, a user usage report whose latest
-- last-activity parameter (last sign-in, last Gmail interaction) is one
-- observed use at that time (event_type last_activity). The acting account
-- is actor.profileId or entity.profileId, the Directory user id. Google
-- Workspace itself is the application, so application_source_id is NULL.
-- The payload is parsed once, into the fields used.
WITH parsed AS (
    SELECT
        *,
        json_transform(payload, '{
            "kind": "VARCHAR",
            "id": {"time": "VARCHAR"},
            "events": [{"name": "VARCHAR"}],
            "parameters": [{"name": "VARCHAR", "datetimeValue": "VARCHAR"}],
            "actor": {"profileId": "VARCHAR", "email": "VARCHAR"},
            "entity": {"profileId": "VARCHAR", "userEmail": "VARCHAR"}
        }') AS j
    FROM raw_google_workspace__activity
),
recs AS (
    SELECT
        *,
        blank_as_null(j.kind) AS kind,
        blank_as_null(j.events[1].name) AS event_name,
        list_max(list_transform(
            j.parameters,
            lambda p: text_ts(p.datetimeValue))) AS usage_at
    FROM parsed
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    CASE WHEN kind = 'admin#reports#usageReport' THEN usage_at
         ELSE text_ts(j.id.time) END                  AS occurred_at,
    CASE
        WHEN kind = 'admin#reports#usageReport'                THEN 'last_activity'
        WHEN event_name IN ('login_success', 'login_failure')  THEN 'sign_in'
        ELSE event_name
    END                                                          AS event_type,
    CASE WHEN kind = 'admin#reports#usageReport' THEN 'usage_report'
         ELSE event_name END                                     AS vendor_event_type,
    coalesce(blank_as_null(j.actor.profileId), blank_as_null(j.entity.profileId)) AS account_source_id,
    coalesce(blank_as_null(j.actor.email), blank_as_null(j.entity.userEmail)) AS actor_login,
    CAST(NULL AS VARCHAR)                                        AS application_source_id,
    'Google Workspace'                                           AS application_name,
    CASE WHEN kind = 'admin#reports#usageReport' THEN true
         ELSE coalesce(event_name = 'login_success', false) END  AS succeeded,
    snapshot_id
FROM recs
