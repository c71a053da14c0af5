-- Revocations of deregistered hosts' credentials go through the kit outbox now (events of type
-- `credential.revocation` for deployment-api). Those the old relay had not delivered yet move
-- there, oldest first, each as the event the registry writes today, then its table goes.
ALTER TABLE revocation_outbox ADD COLUMN event_id TEXT;
UPDATE revocation_outbox SET event_id = gen_random_uuid()::text;
INSERT INTO outbox (event_id, payload, created_at, attempts, last_error, destination)
SELECT event_id,
       json_build_object(
           'event_id', event_id,
           'source', 'host-registry',
           'event_type', 'credential.revocation',
           'occurred_at', to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
           'team', team,
           'actor', NULL,
           'application', NULL,
           'deployment_group', NULL,
           'deployment_id', NULL,
           'host_id', host_id,
           'revision_id', NULL,
           'data', json_build_object(
               'jti', jti,
               'team', team,
               'expires_at', to_char(expires_at, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               'reason', reason))::text,
       created_at, attempts, last_error, 'deployment-api'
FROM revocation_outbox
ORDER BY created_at, jti;
DROP TABLE revocation_outbox;
