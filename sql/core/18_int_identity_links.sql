-- The edges of the identity graph: a bipartite graph of accounts and the
-- identifiers they carry (int_identifiers), so an identifier shared by many
-- accounts costs edges in proportion to them, not their square. Identifier
-- nodes are numbered after the account nodes of int_identity_persons.
-- Its connected components (int_identity_components) are computed in Go
-- (transform/components.go): a union-find over integers, where recursive
-- label propagation in SQL re-scanned every edge once per round.
WITH identifiers AS (
    SELECT DISTINCT i.account_id, i.ident
    FROM int_identifiers AS i
    JOIN int_identity_persons AS p USING (account_id)
    WHERE i.ident IS NOT NULL
),
ident_nodes AS (
    SELECT ident, (SELECT count(*) FROM int_identity_persons) + row_number() OVER (ORDER BY ident) AS node
    FROM (SELECT DISTINCT ident FROM identifiers)
)
SELECT p.node AS account_node, n.node AS ident_node
FROM identifiers
JOIN int_identity_persons AS p USING (account_id)
JOIN ident_nodes AS n USING (ident)
