-- Which person each account belongs to. Accounts are joined into one person
-- when they share an identifier: the primary e-mail address, a login or an
-- alias shaped like an e-mail address (identity_key), transitively, so an
-- alias chain across vendors resolves to one person. Bot, service and portal
-- accounts are not people: their person_id is NULL and their identifiers
-- join nobody.
--
-- person_id hashes the person's primary e-mail address, which keeps it
-- stable across snapshots without publishing a lookup table. The address is
-- the one of the person's accounts at the highest-ranked org source, then
-- the smallest, never the most recently used one, so it does not move while
-- the person's accounts stay. A person without any address is named by the
-- hash of an account id.
WITH RECURSIVE persons AS (
    SELECT a.*, o.priority
    FROM int_accounts AS a
    JOIN org_source_priority AS o USING (connector_type)
    WHERE NOT is_non_person_type(a.user_type)
),
identifiers AS (
    SELECT DISTINCT account_id, ident
    FROM (
        SELECT account_id, identity_email AS ident FROM persons
        UNION ALL
        SELECT account_id, identity_key(login) FROM persons
        UNION ALL
        SELECT account_id, identity_key(alias)
        FROM (SELECT account_id, unnest(aliases) AS alias FROM persons)
    )
    WHERE ident IS NOT NULL
),
-- A bipartite graph of accounts and identifiers, so that an identifier
-- shared by many accounts costs edges in proportion to them, not their square.
edges(src, dst) AS (
    SELECT 'a:' || account_id, 'i:' || ident FROM identifiers
    UNION ALL
    SELECT 'i:' || ident, 'a:' || account_id FROM identifiers
),
-- Connected components by smallest-label propagation: each round a node
-- takes the smallest label among its neighbours when that is smaller than
-- its own, until no label changes.
components(node, label) USING KEY (node) AS (
    SELECT DISTINCT src, src FROM edges
    UNION
    SELECT e.dst, min(c.label)
    FROM components AS c
    JOIN edges AS e ON e.src = c.node
    JOIN recurring.components AS r ON r.node = e.dst
    GROUP BY e.dst, r.label
    HAVING min(c.label) < r.label
),
grouped AS (
    SELECT
        p.account_id,
        p.identity_email,
        p.priority,
        -- An account without any identifier is a person of its own.
        coalesce(c.label, 'a:' || p.account_id) AS component
    FROM persons AS p
    LEFT JOIN components AS c ON c.node = 'a:' || p.account_id
),
anchor AS (
    SELECT component, account_id AS anchor_account_id, identity_email AS primary_email
    FROM grouped
    QUALIFY row_number() OVER (
        PARTITION BY component
        ORDER BY identity_email IS NULL, priority, identity_email, account_id
    ) = 1
)
SELECT
    a.account_id,
    CASE
        WHEN g.account_id IS NULL THEN NULL
        WHEN n.primary_email IS NOT NULL THEN stable_id('person', [n.primary_email])
        ELSE stable_id('person-account', [n.anchor_account_id])
    END AS person_id,
    n.primary_email
FROM int_accounts AS a
LEFT JOIN grouped AS g USING (account_id)
LEFT JOIN anchor AS n USING (component)
