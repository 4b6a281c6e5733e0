-- Microsoft Entra ID app role assignments
-- (GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo) -> canonical app
-- assignments. The connector writes source_id "<servicePrincipalId>/<id>".
-- Users are accounts; a group or service principal assigned to the app is
-- kept with scope group / serviceprincipal and no account (its members are
-- not expanded). Assignments have no status of their own, and Graph names
-- the principal only by display name, which is no user name.
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    json_text(payload, '$.resourceId')                   AS application_source_id,
    CASE json_text(payload, '$.principalType')
        WHEN 'User' THEN json_text(payload, '$.principalId')
    END                                                  AS account_source_id,
    CAST(NULL AS VARCHAR)                                AS user_name,
    CAST(NULL AS VARCHAR)                                AS email,
    CAST(NULL AS VARCHAR)                                AS status,
    lower(json_text(payload, '$.principalType'))         AS scope,
    json_ts(payload, '$.createdDateTime')                AS assigned_at
FROM raw_entra__app_assignments
