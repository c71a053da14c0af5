-- Revocations of deregistered hosts' credentials go through the kit outbox now (events of type
-- `credential.revocation` for deployment-api). Those the old relay had not delivered yet move
-- there, oldest first, each as the event the registry writes today, then its table goes.
ALTER TABLE revocation_outbox ADD COLUMN event_id TEXT;
UPDATE revocation_outbox SET event_id =
    lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' ||
    substr(lower(hex(randomblob(2))), 2) || '-' || substr('89ab', 1 + abs(random()) % 4, 1) ||
    substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6)));
INSERT INTO outbox (event_id, payload, created_at, attempts, last_error, destination)
SELECT event_id,
       json_object(
           'event_id', event_id,
           'source', 'host-registry',
           'event_type', 'credential.revocation',
           'occurred_at', strftime('%Y-%m-%dT%H:%M:%fZ', created_at),
           'team', team,
           'actor', NULL,
           'application', NULL,
           'deployment_group', NULL,
           'deployment_id', NULL,
           'host_id', host_id,
           'revision_id', NULL,
           'data', json_object(
               'jti', jti,
               'team', team,
               'expires_at', CASE WHEN expires_at IS NULL THEN NULL
                                  ELSE strftime('%Y-%m-%dT%H:%M:%fZ', expires_at) END,
               'reason', reason)),
       created_at, attempts, last_error, 'deployment-api'
FROM revocation_outbox
ORDER BY created_at, jti;
DROP TABLE revocation_outbox;
