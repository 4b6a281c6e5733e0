-- The accounts identity resolution groups into people, each numbered as a
-- node of the identity graph (by account_id, so the numbering is
-- deterministic). Bot, service and portal accounts, and accounts whose
-- primary address is a shared mailbox, are not people: they are not here,
-- and their identifiers join nobody.
SELECT
    a.account_id,
    a.identity_email,
    o.priority,
    row_number() OVER (ORDER BY a.account_id) AS node
FROM int_accounts AS a
JOIN org_source_priority AS o USING (connector_type)
WHERE NOT is_non_person_type(a.user_type)
  AND a.account_id NOT IN (SELECT account_id FROM int_identifiers WHERE shared_mailbox)
