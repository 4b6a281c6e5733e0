-- Which person each account belongs to. Accounts are joined into one person
-- when they share an identifier of int_identifiers (a normalised address or
-- a directory employee number), transitively, so an alias chain across
-- vendors and tenants resolves to one person. Bot, service and portal
-- accounts, and accounts whose primary address is a shared mailbox, are not
-- people: their person_id is NULL and their identifiers join nobody.
--
-- person_id hashes the person's normalised primary address, which keeps it
-- stable across snapshots without publishing a lookup table. The address is
-- the one of the person's accounts at the highest-ranked org source, then
-- the smallest, never the most recently used one, so it does not move while
-- the person's accounts stay. A person without any address is named by the
-- hash of an account id.
WITH RECURSIVE persons AS (
    SELECT a.account_id, a.identity_email, o.priority
    FROM int_accounts AS a
    JOIN org_source_priority AS o USING (connector_type)
    WHERE NOT is_non_person_type(a.user_type)
      AND a.account_id NOT IN (SELECT account_id FROM int_identifiers WHERE shared_mailbox)
),
identifiers AS (
    SELECT DISTINCT i.account_id, i.ident
    FROM int_identifiers AS i
    JOIN persons AS p USING (account_id)
    WHERE i.ident IS NOT NULL
),
-- Nodes are numbered, accounts first (by account_id) and then identifiers,
-- so the graph is walked over integers rather than strings; the numbering
-- is deterministic, and a component's label is its smallest account number.
account_nodes AS (
    SELECT account_id, row_number() OVER (ORDER BY account_id) AS node
    FROM persons
),
ident_nodes AS (
    SELECT ident, (SELECT count(*) FROM persons) + row_number() OVER (ORDER BY ident) AS node
    FROM (SELECT DISTINCT ident FROM identifiers)
),
-- A bipartite graph of accounts and identifiers, so that an identifier
-- shared by many accounts costs edges in proportion to them, not their square.
links AS (
    SELECT a.node AS account_node, i.node AS ident_node
    FROM identifiers
    JOIN account_nodes AS a USING (account_id)
    JOIN ident_nodes AS i USING (ident)
),
edges(src, dst) AS (
    SELECT account_node, ident_node FROM links
    UNION ALL
    SELECT ident_node, account_node FROM links
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
-- The normalised form of each account's primary address, which names the
-- person.
primary_ident AS (
    SELECT i.account_id, min(substr(i.ident, length('email:') + 1)) AS primary_ident
    FROM int_identifiers AS i
    JOIN persons AS p USING (account_id)
    WHERE i.is_primary
    GROUP BY i.account_id
),
grouped AS (
    SELECT
        p.account_id,
        p.identity_email,
        pi.primary_ident,
        p.priority,
        -- An account without any identifier is a person of its own.
        coalesce(c.label, an.node) AS component
    FROM persons AS p
    JOIN account_nodes AS an USING (account_id)
    LEFT JOIN components AS c ON c.node = an.node
    LEFT JOIN primary_ident AS pi USING (account_id)
),
anchor AS (
    SELECT component, account_id AS anchor_account_id, identity_email AS primary_email, primary_ident
    FROM grouped
    QUALIFY row_number() OVER (
        PARTITION BY component
        ORDER BY primary_ident IS NULL, priority, primary_ident, identity_email, account_id
    ) = 1
)
SELECT
    a.account_id,
    CASE
        WHEN g.account_id IS NULL THEN NULL
        WHEN n.primary_ident IS NOT NULL THEN stable_id('person', [n.primary_ident])
        ELSE stable_id('person-account', [n.anchor_account_id])
    END AS person_id,
    n.primary_email
FROM int_accounts AS a
LEFT JOIN grouped AS g USING (account_id)
LEFT JOIN anchor AS n USING (component)
