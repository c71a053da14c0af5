CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (team, name)
);

-- Bundles are content-addressed: one copy per SHA-256, whatever the applications.
CREATE TABLE bundles (
    sha256 TEXT PRIMARY KEY,
    size_bytes BIGINT NOT NULL,
    format TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE bundle_chunks (
    sha256 TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (sha256, seq)
);

CREATE TABLE revisions (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    sha256 TEXT NOT NULL REFERENCES bundles (sha256),
    version_label TEXT,
    description TEXT,
    hook_events TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (application_id, sha256)
);

CREATE TABLE deployment_groups (
    id TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    name TEXT NOT NULL,
    selector TEXT NOT NULL,
    deployment_config TEXT NOT NULL,
    auto_rollback BOOLEAN NOT NULL,
    concurrency_policy TEXT NOT NULL,
    stage TEXT,
    last_successful_revision_id TEXT,
    last_successful_deployment_id TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (application_id, name)
);

CREATE TABLE deployments (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    application_id TEXT NOT NULL REFERENCES applications (id),
    application TEXT NOT NULL,
    group_id TEXT NOT NULL REFERENCES deployment_groups (id),
    deployment_group TEXT NOT NULL,
    revision_id TEXT NOT NULL REFERENCES revisions (id),
    deployment_config TEXT NOT NULL,
    minimum_healthy TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    rollback_of TEXT,
    description TEXT,
    overview TEXT,
    error_code TEXT,
    error_message TEXT,
    idempotency_key TEXT,
    request_hash TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX deployments_idempotency ON deployments (team, idempotency_key);
CREATE INDEX deployments_group_status ON deployments (group_id, status);
CREATE INDEX deployments_status ON deployments (status);
CREATE INDEX deployments_team_id ON deployments (team, id);

CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, created_at TIMESTAMP NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
