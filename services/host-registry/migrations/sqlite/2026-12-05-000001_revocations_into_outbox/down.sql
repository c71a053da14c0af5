-- The old relay's table again, with the revocations still queued in the outbox.
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
INSERT INTO revocation_outbox (jti, host_id, team, expires_at, reason, created_at, attempts, last_error)
SELECT json_extract(payload, '$.data.jti'), json_extract(payload, '$.host_id'), json_extract(payload, '$.data.team'), datetime(json_extract(payload, '$.data.expires_at')), json_extract(payload, '$.data.reason'), created_at, attempts, last_error
FROM outbox
WHERE destination = 'deployment-api' AND json_extract(payload, '$.event_type') = 'credential.revocation';
DELETE FROM outbox
WHERE destination = 'deployment-api' AND json_extract(payload, '$.event_type') = 'credential.revocation';
