-- Active Directory groups (paged subtree search, group_filter) -> canonical
-- groups. group_type spells AD's groupType: security (the sign bit,
-- 0x80000000) or distribution, then the scope (0x2 global, 0x4 domain
-- local, 0x8 universal, 0x1 builtin). AD has no membership timestamp
-- (whenChanged moves on any change), so membership_updated_at is NULL.
WITH g AS (
    SELECT *, CAST(payload ->> '$.mapped.groupType' AS BIGINT) AS gt
    FROM raw_ldap__groups
)
SELECT
    connector,
    connector_type,
    tenant,
    source_id,
    extracted_at,
    coalesce(json_text(payload, '$.mapped.cn'),
             json_text(payload, '$.mapped.sAMAccountName'))  AS name,
    json_text(payload, '$.mapped.description')               AS description,
    CASE WHEN gt IS NOT NULL THEN
        CASE WHEN gt < 0 THEN 'security' ELSE 'distribution' END || '_' ||
        CASE
            WHEN (gt & 8) <> 0 THEN 'universal'
            WHEN (gt & 4) <> 0 THEN 'domain_local'
            WHEN (gt & 2) <> 0 THEN 'global'
            WHEN (gt & 1) <> 0 THEN 'builtin'
            ELSE 'unknown'
        END
    END                                                      AS group_type,
    json_ts(payload, '$.mapped.whenCreated')                 AS created_at,
    CAST(NULL AS TIMESTAMPTZ)                                AS membership_updated_at
FROM g
