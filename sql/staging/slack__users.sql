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
-- Each payload is parsed once, into the fields used.
WITH access AS (
    SELECT tenant, json_transform(payload, '{"user_id": "VARCHAR", "date_last": "VARCHAR"}') AS j
    FROM raw_slack__activity
),
last_access AS (
    SELECT
        tenant,
        blank_as_null(j.user_id)                                AS user_id,
        max(to_timestamp(CAST(j.date_last AS BIGINT)))          AS last_at
    FROM access
    GROUP BY ALL
),
users AS (
    SELECT
        *,
        json_transform(payload, '{
            "name": "VARCHAR", "real_name": "VARCHAR", "deleted": "VARCHAR",
            "is_bot": "VARCHAR", "is_app_user": "VARCHAR", "is_restricted": "VARCHAR",
            "is_ultra_restricted": "VARCHAR", "is_admin": "VARCHAR", "is_owner": "VARCHAR",
            "is_primary_owner": "VARCHAR",
            "profile": {"email": "VARCHAR", "first_name": "VARCHAR", "last_name": "VARCHAR",
                        "real_name": "VARCHAR", "title": "VARCHAR"}
        }') AS j
    FROM raw_slack__users
)
SELECT
    u.connector,
    u.connector_type,
    u.tenant,
    u.source_id,
    u.extracted_at,
    coalesce(blank_as_null(u.j.profile.email), blank_as_null(u.j.name)) AS login,
    blank_as_null(u.j.profile.email)              AS email,
    CAST(NULL AS VARCHAR)                         AS secondary_email,
    blank_as_null(u.j.profile.first_name)         AS first_name,
    blank_as_null(u.j.profile.last_name)          AS last_name,
    coalesce(blank_as_null(u.j.profile.real_name), blank_as_null(u.j.real_name)) AS display_name,
    CAST(NULL AS VARCHAR)                         AS department,
    blank_as_null(u.j.profile.title)              AS job_title,
    CAST(NULL AS VARCHAR)                         AS employee_number,
    CAST(NULL AS VARCHAR)                         AS cost_center,
    CAST(NULL AS VARCHAR)                         AS manager_source_id,
    CASE
        WHEN coalesce(CAST(u.j.is_bot AS BOOLEAN), false)
          OR coalesce(CAST(u.j.is_app_user AS BOOLEAN), false)
          OR u.source_id = 'USLACKBOT'                                   THEN 'bot'
        WHEN coalesce(CAST(u.j.is_ultra_restricted AS BOOLEAN), false)
          OR coalesce(CAST(u.j.is_restricted AS BOOLEAN), false)       THEN 'guest'
        ELSE 'member'
    END                                           AS user_type,
    CAST(NULL AS VARCHAR)                         AS organization,
    CASE WHEN coalesce(CAST(u.j.deleted AS BOOLEAN), false) THEN 'deprovisioned' ELSE 'active' END AS status,
    CASE WHEN coalesce(CAST(u.j.deleted AS BOOLEAN), false) THEN 'deleted' ELSE 'active' END       AS vendor_status,
    coalesce(CAST(u.j.is_admin AS BOOLEAN), false)
        OR coalesce(CAST(u.j.is_owner AS BOOLEAN), false)
        OR coalesce(CAST(u.j.is_primary_owner AS BOOLEAN), false) AS is_admin,
    -- users.list carries no creation date.
    CAST(NULL AS TIMESTAMPTZ)                     AS created_at,
    a.last_at                                     AS last_login_at,
    CAST(NULL AS TIMESTAMPTZ)                     AS last_activity_at,
    CAST([] AS VARCHAR[])                         AS aliases,
    CAST(NULL AS VARCHAR)                         AS country,
    CAST(NULL AS VARCHAR)                         AS office_location
FROM users AS u
LEFT JOIN last_access AS a ON a.tenant = u.tenant AND a.user_id = u.source_id
