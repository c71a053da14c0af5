CREATE TABLE rollouts (
    deployment_id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    application TEXT NOT NULL,
    deployment_group TEXT NOT NULL,
    deployment_group_id TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    spec TEXT NOT NULL,
    status TEXT NOT NULL,
    error_code TEXT,
    error_message TEXT,
    created_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX rollouts_status ON rollouts (status);

CREATE TABLE rollout_hosts (
    deployment_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    zone TEXT NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    command_id TEXT,
    error_code TEXT,
    message TEXT,
    started_at TIMESTAMP,
    completed_at TIMESTAMP,
    PRIMARY KEY (deployment_id, host_id)
);

-- One command per (deployment, host, attempt): the unique index is what makes a double
-- dispatch impossible, whatever the replicas do.
CREATE TABLE host_commands (
    id TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    acked_at TIMESTAMP,
    completed_at TIMESTAMP,
    error_code TEXT,
    message TEXT,
    UNIQUE (deployment_id, host_id, attempt)
);
CREATE INDEX host_commands_host_status ON host_commands (host_id, status);
CREATE INDEX host_commands_status ON host_commands (status, created_at);

CREATE TABLE command_events (
    command_id TEXT NOT NULL,
    event TEXT NOT NULL,
    status TEXT NOT NULL,
    exit_code INTEGER,
    error_code TEXT,
    message TEXT,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    output_tail TEXT NOT NULL,
    output_truncated BOOLEAN NOT NULL,
    PRIMARY KEY (command_id, event)
);

CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, created_at TIMESTAMP NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT);
