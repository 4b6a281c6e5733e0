-- Which person each account belongs to. Accounts are joined into one person
-- when they share an identifier of int_identifiers (a normalised address or
-- a directory employee number), transitively, so an alias chain across
-- vendors and tenants resolves to one person: one connected component of
-- the identity graph (int_identity_persons, int_identity_links,
-- int_identity_components). Bot, service and portal accounts, and accounts
-- whose primary address is a shared mailbox, are not people: their
-- person_id is NULL and their identifiers join nobody.
--
-- person_id hashes the person's normalised primary address, which keeps it
-- stable across snapshots without publishing a lookup table. The address is
-- the one of the person's accounts at the highest-ranked org source, then
-- the smallest, never the most recently used one, so it does not move while
-- the person's accounts stay. A person without any address is named by the
-- hash of an account id.
WITH
-- The normalised form of each account's primary address, which names the
-- person.
primary_ident AS (
    SELECT i.account_id, min(substr(i.ident, length('email:') + 1)) AS primary_ident
    FROM int_identifiers AS i
    JOIN int_identity_persons AS p USING (account_id)
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
        coalesce(c.label, p.node) AS component
    FROM int_identity_persons AS p
    LEFT JOIN int_identity_components AS c ON c.node = p.node
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
