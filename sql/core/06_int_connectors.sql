-- One row per connector instance with its effective capabilities as
-- columns. activity_measurable is what separates "inactive" from "cannot
-- know": a last-login signal, or an activity signal whose identifiers join
-- to accounts (a tenant that conceals user names in its reports has
-- activity, but none of it can be attributed to an account).
WITH wide AS (
    SELECT
        connector,
        connector_type,
        coalesce(bool_or(available) FILTER (WHERE capability = 'licenses'), false)    AS has_licenses,
        coalesce(bool_or(available) FILTER (WHERE capability = 'last_login'), false)  AS has_last_login,
        coalesce(bool_or(available) FILTER (WHERE capability = 'activity'), false)    AS has_activity,
        coalesce(bool_or(available) FILTER (WHERE capability = 'sso'), false)         AS is_sso,
        coalesce(bool_or(available) FILTER (WHERE capability = 'directory'), false)   AS is_directory,
        coalesce(bool_or(available) FILTER (WHERE capability = 'identifiers'), true)  AS has_identifiers
    FROM int_connector_capabilities
    GROUP BY connector, connector_type
)
SELECT
    *,
    has_last_login OR (has_activity AND has_identifiers) AS activity_measurable
FROM wide
