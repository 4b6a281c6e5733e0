-- Microsoft 365 active-user report rows (getOffice365ActiveUserDetail, one
-- staged record per CSV row, keys = the CSV header) -> canonical activity:
-- one event per product with a last-activity date. The event id is the user,
-- the product and the date, so the same last activity seen in the next
-- day's report is the same event. Rows without any date yield no event.
-- The report names users by user principal name; it is joined to the
-- tenant's users listing for the account id. A concealed report writes a
-- 32-digit hash instead of a name (no @): such rows keep no account and no
-- login, and the connector reports the identifiers capability unavailable.
-- Rows of deleted users (Is Deleted True) keep no account either: their name
-- may have passed to a new user.
-- Each report row is parsed once, into the fields used.
WITH rows AS (
    SELECT
        *,
        json_transform(payload, '{
            "User Principal Name": "VARCHAR",
            "Is Deleted": "VARCHAR",
            "Exchange Last Activity Date": "VARCHAR",
            "OneDrive Last Activity Date": "VARCHAR",
            "SharePoint Last Activity Date": "VARCHAR",
            "Skype For Business Last Activity Date": "VARCHAR",
            "Yammer Last Activity Date": "VARCHAR",
            "Teams Last Activity Date": "VARCHAR"
        }') AS j
    FROM raw_microsoft365__activity
),
named_rows AS (
    SELECT *, blank_as_null(j."User Principal Name")         AS upn
    FROM rows
),
users_by_upn AS (
    SELECT
        tenant,
        lower(json_text(payload, '$.userPrincipalName')) AS upn,
        min(source_id)                                   AS account_source_id
    FROM raw_microsoft365__users
    GROUP BY ALL
),
products(event_type, label) AS (
    VALUES ('exchange',           'Exchange'),
           ('onedrive',           'OneDrive'),
           ('sharepoint',         'SharePoint'),
           ('skype_for_business', 'Skype For Business'),
           ('yammer',             'Yammer'),
           ('teams',              'Teams')
),
events AS (
    SELECT
        r.* EXCLUDE (j),
        p.event_type,
        p.label,
        blank_as_null(CASE p.event_type
            WHEN 'exchange'           THEN r.j."Exchange Last Activity Date"
            WHEN 'onedrive'           THEN r.j."OneDrive Last Activity Date"
            WHEN 'sharepoint'         THEN r.j."SharePoint Last Activity Date"
            WHEN 'skype_for_business' THEN r.j."Skype For Business Last Activity Date"
            WHEN 'yammer'             THEN r.j."Yammer Last Activity Date"
            WHEN 'teams'              THEN r.j."Teams Last Activity Date"
        END)                                                                AS last_date,
        r.upn LIKE '%_@_%'                                                  AS named,
        coalesce(lower(blank_as_null(r.j."Is Deleted")) = 'true', false)   AS deleted
    FROM named_rows AS r
    CROSS JOIN products AS p
)
SELECT
    e.connector,
    e.connector_type,
    e.tenant,
    lower(e.upn) || '/' || e.event_type || '/' || e.last_date
        || CASE WHEN e.deleted THEN '/deleted' ELSE '' END      AS source_id,
    e.extracted_at,
    CAST(CAST(e.last_date AS DATE) AS TIMESTAMPTZ)           AS occurred_at,
    e.event_type,
    e.label || ' Last Activity Date'                         AS vendor_event_type,
    CASE WHEN e.named AND NOT e.deleted THEN a.account_source_id END AS account_source_id,
    CASE WHEN e.named THEN e.upn END                         AS actor_login,
    CAST(NULL AS VARCHAR)                                    AS application_source_id,
    e.label                                                  AS application_name,
    true                                                     AS succeeded,
    e.snapshot_id
FROM events AS e
LEFT JOIN users_by_upn AS a ON a.tenant = e.tenant AND a.upn = lower(e.upn)
WHERE e.last_date IS NOT NULL
