-- Every discovered application (an Okta app integration, an Entra service
-- principal, any source's applications entity) with the merged application
-- it belongs to. One product seen by several sources is one application:
-- sources are matched against the catalogue (app_catalog, from
-- sql/catalog/applications.csv) by integration key (Okta OIN app name,
-- Entra appId), then by normalised name or alias; an application the
-- catalogue does not know is merged with others of the same normalised
-- name. app_connector_type names the connector type that reads the
-- application itself (the catalogue's connector_type), which lets SSO
-- events into it count as activity of the person's account there.
-- Deduplicated across pages and instances like accounts.
WITH lineage AS (
    SELECT
        connector_type,
        tenant,
        source_id,
        list(DISTINCT connector ORDER BY connector) AS connectors
    FROM stg_applications
    GROUP BY ALL
),
chosen AS (
    SELECT *
    FROM stg_applications AS s
    QUALIFY row_number() OVER (
        PARTITION BY connector_type, tenant, source_id
        ORDER BY extracted_at DESC, connector, hash(s)
    ) = 1
),
catalog_keys AS (
    SELECT catalog_key, 1 AS match_rank, lower(k) AS match_value
    FROM (SELECT catalog_key, unnest(list_concat(okta_names, entra_app_ids)) AS k FROM app_catalog)
    UNION ALL
    SELECT catalog_key, 2, app_name_key(n)
    FROM (SELECT catalog_key, unnest(list_prepend(name, aliases)) AS n FROM app_catalog)
),
matched AS (
    SELECT c.connector_type, c.tenant, c.source_id, k.catalog_key
    FROM chosen AS c
    JOIN catalog_keys AS k
      ON (k.match_rank = 1 AND k.match_value = lower(c.app_key))
      OR (k.match_rank = 2 AND k.match_value = app_name_key(c.name))
    QUALIFY row_number() OVER (
        PARTITION BY c.connector_type, c.tenant, c.source_id
        ORDER BY k.match_rank, k.catalog_key
    ) = 1
)
SELECT
    c.connector_type,
    c.tenant,
    c.source_id,
    -- The application's id at its discovering source, as events and
    -- assignments name it.
    application_id(c.connector_type, c.tenant, c.source_id) AS source_application_id,
    CASE
        WHEN m.catalog_key IS NOT NULL THEN stable_id('application', ['catalog', m.catalog_key])
        WHEN app_name_key(c.name) IS NOT NULL THEN stable_id('application', ['name', app_name_key(c.name)])
        ELSE application_id(c.connector_type, c.tenant, c.source_id)
    END AS application_id,
    m.catalog_key,
    k.connector_type AS app_connector_type,
    c.name,
    c.app_key,
    c.status,
    c.sign_on_mode,
    c.created_at,
    t.is_sso,
    l.connectors
FROM chosen AS c
JOIN lineage AS l USING (connector_type, tenant, source_id)
JOIN connector_types AS t USING (connector_type)
LEFT JOIN matched AS m USING (connector_type, tenant, source_id)
LEFT JOIN app_catalog AS k ON k.catalog_key = m.catalog_key
