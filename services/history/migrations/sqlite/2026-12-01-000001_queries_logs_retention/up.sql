-- Lists filtered by team walk the log in seq order; the audit log is the events with an actor.
CREATE INDEX events_team_seq ON events (team, seq);
CREATE INDEX events_audit ON events (team, actor, seq) WHERE actor IS NOT NULL;
CREATE INDEX events_revision ON events (revision_id);
CREATE INDEX events_occurred ON events (occurred_at);

-- Each deployment of a group: what the group's target revision was at any time.
CREATE TABLE group_deployments (
    deployment_id TEXT PRIMARY KEY,
    team TEXT,
    application TEXT,
    deployment_group TEXT,
    revision_id TEXT,
    created_at TIMESTAMP,
    started_at TIMESTAMP,
    ended_at TIMESTAMP,
    status TEXT NOT NULL
);
CREATE INDEX group_deployments_group ON group_deployments (team, application, deployment_group, started_at);
CREATE INDEX group_deployments_revision ON group_deployments (revision_id);

-- Which host each command ran on (from the scheduler's events): hook logs are checked against it.
CREATE TABLE host_commands (
    command_id TEXT PRIMARY KEY,
    team TEXT,
    deployment_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    revision_id TEXT,
    started_at TIMESTAMP NOT NULL
);
CREATE INDEX host_commands_deployment ON host_commands (deployment_id, host_id);

-- The whole output of one lifecycle event of one command, as the agent uploaded it (capped).
CREATE TABLE hook_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command_id TEXT NOT NULL,
    event TEXT NOT NULL,
    team TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    output TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    original_bytes BIGINT NOT NULL,
    truncated BOOLEAN NOT NULL,
    uploaded_at TIMESTAMP NOT NULL,
    UNIQUE (command_id, event)
);
CREATE INDEX hook_logs_deployment ON hook_logs (deployment_id, id);

-- Hosts that left the fleet: a late install fact must not bring them back.
CREATE TABLE retired_hosts (
    host_id TEXT PRIMARY KEY,
    team TEXT,
    retired_at TIMESTAMP NOT NULL
);

-- Revisions whose record retention keeps forever.
CREATE TABLE pins (
    team TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    note TEXT,
    pinned_by TEXT NOT NULL,
    pinned_at TIMESTAMP NOT NULL,
    PRIMARY KEY (team, revision_id)
);
CREATE INDEX pins_revision ON pins (revision_id);

CREATE INDEX host_revision_spans_group ON host_revision_spans (team, application, deployment_group, started_at);
CREATE INDEX host_revision_spans_ended ON host_revision_spans (ended_at);
