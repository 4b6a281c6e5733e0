-- The identifiers each account may be joined to a person by, normalised:
-- e-mail addresses, UPNs and logins shaped like an address (primary,
-- secondary, every alias), lowercased and trimmed, with plus-addressing
-- stripped when the config asks (identity.strip_plus_addresses) and a
-- domain alias read as the domain it stands for (identity.domain_aliases),
-- and employee numbers from directory sources. One row per (account,
-- identifier); is_primary marks the normalised primary address, which names
-- the person. Bot, service and portal accounts have none.
--
-- Two guards keep one identifier from merging different people:
--  * an address matching a shared or role mailbox pattern
--    (identity_shared_patterns, e.g. it@*) joins nobody, and an account
--    whose primary address is one, with no other identifier, is no person
--    (shared_mailbox);
--  * an identifier carried by directory accounts with different employee
--    numbers (a recycled alias, a shared UPN) is dropped, so it cannot join
--    two directory people the directory itself tells apart.
WITH persons AS (
    SELECT account_id, identity_email, login, secondary_email, aliases, employee_number, is_directory
    FROM int_accounts
    WHERE NOT is_non_person_type(user_type)
),
addresses AS (
    SELECT account_id, identity_key(address) AS address
    FROM (
        SELECT account_id, identity_email AS address FROM persons
        UNION ALL SELECT account_id, login FROM persons
        UNION ALL SELECT account_id, secondary_email FROM persons
        UNION ALL SELECT account_id, unnest(aliases) FROM persons
    )
    WHERE identity_key(address) IS NOT NULL
),
-- Split at the last @ (every address has one: identity_key). Splitting the
-- string is a quarter of the cost of a capturing regular expression over
-- millions of addresses.
parts AS (
    SELECT DISTINCT
        account_id,
        address,
        array_to_string(pieces[:-2], '@') AS local_part,
        pieces[-1]                        AS domain
    FROM (SELECT account_id, address, string_split(address, '@') AS pieces FROM addresses)
),
normalised AS (
    SELECT
        p.account_id,
        p.address,
        CASE WHEN ip.strip_plus_addresses AND regexp_matches(p.local_part, '^[^+]+\+')
             THEN regexp_extract(p.local_part, '^([^+]+)\+', 1)
             ELSE p.local_part
        END || '@' || coalesce(da.domain, p.domain) AS ident
    FROM parts AS p
    CROSS JOIN identity_params AS ip
    LEFT JOIN identity_domain_aliases AS da ON da.alias_domain = p.domain
),
shared AS (
    SELECT DISTINCT n.address
    FROM normalised AS n
    JOIN identity_shared_patterns AS s ON n.address GLOB s.pattern OR n.ident GLOB s.pattern
),
candidates AS (
    SELECT n.account_id, 'email:' || n.ident AS ident,
           bool_or(n.address = identity_key(p.identity_email)) AS is_primary
    FROM normalised AS n
    JOIN persons AS p USING (account_id)
    WHERE n.address NOT IN (SELECT address FROM shared)
    GROUP BY ALL
    UNION ALL
    -- Employee numbers are unique within an organisation's HR system, which
    -- directories mirror; very short ones ("1", "00") are placeholders.
    SELECT account_id, 'employee:' || lower(trim(employee_number)), false
    FROM persons
    WHERE is_directory AND length(trim(employee_number)) >= 3
      AND NOT regexp_matches(trim(employee_number), '^0+$')
),
conflicting AS (
    SELECT c.ident
    FROM candidates AS c
    JOIN persons AS p USING (account_id)
    WHERE p.is_directory AND nullif(trim(p.employee_number), '') IS NOT NULL
    GROUP BY c.ident
    HAVING count(DISTINCT lower(trim(p.employee_number))) > 1
)
SELECT
    c.account_id,
    c.ident,
    c.is_primary,
    false AS shared_mailbox
FROM candidates AS c
WHERE c.ident NOT IN (SELECT ident FROM conflicting)
UNION ALL
-- Accounts whose primary address is a shared mailbox and that carry no
-- other identifier: marked, so that int_account_people gives them no
-- person. One that does carry another (an admin whose Salesforce e-mail is
-- it@ but whose federation id is their own) still resolves through it.
SELECT p.account_id, NULL, false, true
FROM persons AS p
WHERE identity_key(p.identity_email) IN (SELECT address FROM shared)
  AND p.account_id NOT IN (
      SELECT account_id FROM candidates WHERE ident NOT IN (SELECT ident FROM conflicting))
