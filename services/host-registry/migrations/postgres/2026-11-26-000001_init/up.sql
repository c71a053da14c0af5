CREATE TABLE enrollment_tokens (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    tags TEXT NOT NULL,
    description TEXT,
    expires_at TIMESTAMP NOT NULL,
    uses_left BIGINT,
    uses BIGINT NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

CREATE TABLE hosts (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    name TEXT NOT NULL,
    zone TEXT NOT NULL,
    tags TEXT NOT NULL,
    state TEXT NOT NULL,
    agent_version TEXT,
    credential_id TEXT NOT NULL,
    enrollment_token_id TEXT NOT NULL,
    last_heartbeat_at TIMESTAMP,
    enrolled_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    deregistered_at TIMESTAMP
);
CREATE INDEX hosts_team_state ON hosts (team, state);
CREATE INDEX hosts_heartbeat ON hosts (state, last_heartbeat_at);

CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, created_at TIMESTAMP NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
