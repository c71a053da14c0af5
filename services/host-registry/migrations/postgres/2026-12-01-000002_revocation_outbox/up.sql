-- Credentials of deregistered hosts, to be put on deployment-api's revocation feed (which every
-- service follows). Written in the transaction that deregisters the host; applied to this
-- process at once; delivered by a relay and deleted once deployment-api has it.
CREATE TABLE revocation_outbox (
    jti TEXT PRIMARY KEY,
    host_id TEXT NOT NULL,
    team TEXT NOT NULL,
    expires_at TIMESTAMP,
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);

-- Hosts deregistered before: their credentials were refused only by this registry until now.
-- (Host credentials live 3650 days from enrollment.)
INSERT INTO revocation_outbox (jti, host_id, team, expires_at, reason, created_at)
SELECT credential_id, id, team, enrolled_at + INTERVAL '3650 days',
       'host ' || id || ' was deregistered', COALESCE(deregistered_at, updated_at)
FROM hosts WHERE state = 'Deregistered';
