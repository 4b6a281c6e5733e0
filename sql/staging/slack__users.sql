-- Slack members (users.list) -> canonical users.
-- users.list keeps deleted members, guests and bots. Bots (is_bot, app
-- users, and Slackbot, which Slack lists with is_bot false) are accounts
-- but no people: user_type 'bot'. Multi-channel (is_restricted) and
-- single-channel (is_ultra_restricted) guests are 'guest', everyone else
-- 'member' (Slack does not tell staff from others). Slack sign-in is by
-- e-mail address.
-- last_login_at is the latest date_last of the member's access-log entries
-- staged for the same workspace (NULL when there are none, or on a free
-- plan, where access is not monitored).
WITH last_access AS (
    SELECT
        tenant,
        json_text(payload, '$.user_id')                           AS user_id,
        max(to_timestamp(CAST(payload ->> '$.date_last' AS BIGINT))) AS last_at
    FROM raw_slack__activity
    GROUP BY ALL
)
SELECT
    u.connector,
    u.connector_type,
    u.tenant,
    u.source_id,
    u.extracted_at,
    coalesce(json_text(u.payload, '$.profile.email'), json_text(u.payload, '$.name')) AS login,
    json_text(u.payload, '$.profile.email')       AS email,
    CAST(NULL AS VARCHAR)                         AS secondary_email,
    json_text(u.payload, '$.profile.first_name')  AS first_name,
    json_text(u.payload, '$.profile.last_name')   AS last_name,
    coalesce(json_text(u.payload, '$.profile.real_name'), json_text(u.payload, '$.real_name')) AS display_name,
    CAST(NULL AS VARCHAR)                         AS department,
    json_text(u.payload, '$.profile.title')       AS job_title,
    CAST(NULL AS VARCHAR)                         AS employee_number,
    CAST(NULL AS VARCHAR)                         AS cost_center,
    CAST(NULL AS VARCHAR)                         AS manager_source_id,
    CASE
        WHEN coalesce(CAST(u.payload ->> '$.is_bot' AS BOOLEAN), false)
          OR coalesce(CAST(u.payload ->> '$.is_app_user' AS BOOLEAN), false)
          OR u.source_id = 'USLACKBOT'                                   THEN 'bot'
        WHEN coalesce(CAST(u.payload ->> '$.is_ultra_restricted' AS BOOLEAN), false)
          OR coalesce(CAST(u.payload ->> '$.is_restricted' AS BOOLEAN), false)       THEN 'guest'
        ELSE 'member'
    END                                           AS user_type,
    CAST(NULL AS VARCHAR)                         AS organization,
    CASE WHEN coalesce(CAST(u.payload ->> '$.deleted' AS BOOLEAN), false) THEN 'deprovisioned' ELSE 'active' END AS status,
    CASE WHEN coalesce(CAST(u.payload ->> '$.deleted' AS BOOLEAN), false) THEN 'deleted' ELSE 'active' END       AS vendor_status,
    coalesce(CAST(u.payload ->> '$.is_admin' AS BOOLEAN), false)
        OR coalesce(CAST(u.payload ->> '$.is_owner' AS BOOLEAN), false)
        OR coalesce(CAST(u.payload ->> '$.is_primary_owner' AS BOOLEAN), false) AS is_admin,
    -- users.list carries no creation date.
    CAST(NULL AS TIMESTAMPTZ)                     AS created_at,
    a.last_at                                     AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                     AS last_activity_at,
    CAST([] AS VARCHAR[])                         AS aliases,
    CAST(NULL AS VARCHAR)                         AS country,
    CAST(NULL AS VARCHAR)                         AS office_location
FROM raw_slack__users AS u
LEFT JOIN last_access AS a ON a.tenant = u.tenant AND a.user_id = u.source_id
