-- Slack access-log entries (team.accessLogs) -> canonical activity. An
-- entry aggregates one member's access from one IP address and client; it
-- becomes one sign_in event at its date_last (the entry's count is not a
-- number of sign-ins on that day). Slack itself is the application, so
-- there is no application source id. The payload is parsed once, into the
-- fields used.
WITH entries AS (
    SELECT
        *,
        json_transform(payload, '{"date_last": "VARCHAR", "user_id": "VARCHAR", "username": "VARCHAR"}') AS j
    FROM raw_slack__activity
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    to_timestamp(CAST(j.date_last AS BIGINT))               AS occurred_at,
    'sign_in'                                               AS event_type,
    'access_log'                                            AS vendor_event_type,
    blank_as_null(j.user_id)                                AS account_source_id,
    blank_as_null(j.username)                               AS actor_login,
    CAST(NULL AS VARCHAR)                                   AS application_source_id,
    CAST(NULL AS VARCHAR)                                   AS application_name,
    true                                                    AS succeeded,
    snapshot_id
FROM entries
