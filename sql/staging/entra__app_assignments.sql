-- Microsoft Entra ID app role assignments
-- (GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo) -> canonical app
-- assignments. The connector writes source_id "<servicePrincipalId>/<id>".
-- Users are accounts; a group or service principal assigned to the app is
-- kept with scope group / serviceprincipal and no account (its members are
-- not expanded). Assignments have no status of their own, and Graph names
-- the principal only by display name, which is no user name.
-- The payload is parsed once, into the fields used.
WITH parsed AS (
    SELECT
        *,
        json_transform(payload, '{
            "resourceId": "VARCHAR",
            "principalType": "VARCHAR",
            "principalId": "VARCHAR",
            "createdDateTime": "VARCHAR"
        }') AS j
    FROM raw_entra__app_assignments
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    blank_as_null(j.resourceId)                  AS application_source_id,
    CASE blank_as_null(j.principalType)
        WHEN 'User' THEN blank_as_null(j.principalId)
    END                                          AS account_source_id,
    CAST(NULL AS VARCHAR)                        AS user_name,
    CAST(NULL AS VARCHAR)                        AS email,
    CAST(NULL AS VARCHAR)                        AS status,
    lower(blank_as_null(j.principalType))        AS scope,
    text_ts(j.createdDateTime)                   AS assigned_at
FROM parsed
