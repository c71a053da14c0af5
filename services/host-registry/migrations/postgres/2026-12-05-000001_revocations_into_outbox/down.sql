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
SELECT (payload::json)->'data'->>'jti', (payload::json)->>'host_id', (payload::json)->'data'->>'team', ((payload::json)->'data'->>'expires_at')::timestamptz AT TIME ZONE 'UTC', (payload::json)->'data'->>'reason', created_at, attempts, last_error
FROM outbox
WHERE destination = 'deployment-api' AND (payload::json)->>'event_type' = 'credential.revocation';
DELETE FROM outbox
WHERE destination = 'deployment-api' AND (payload::json)->>'event_type' = 'credential.revocation';
