CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    event_type TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    team TEXT,
    actor TEXT,
    application TEXT,
    deployment_group TEXT,
    deployment_id TEXT,
    host_id TEXT,
    revision_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX events_deployment ON events (deployment_id, seq);
CREATE INDEX events_host ON events (host_id, seq);
CREATE INDEX events_team_type ON events (team, event_type, seq);

-- The current revision of each application on each host (never dropped by retention).
CREATE TABLE host_revisions (
    host_id TEXT NOT NULL,
    application TEXT NOT NULL,
    team TEXT NOT NULL,
    deployment_group TEXT,
    revision_id TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    since TIMESTAMP NOT NULL,
    PRIMARY KEY (host_id, application)
);
CREATE INDEX host_revisions_revision ON host_revisions (team, application, revision_id);

CREATE TABLE host_revision_spans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    host_id TEXT NOT NULL,
    application TEXT NOT NULL,
    team TEXT NOT NULL,
    deployment_group TEXT,
    revision_id TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX host_revision_spans_lookup ON host_revision_spans (team, application, started_at);
CREATE INDEX host_revision_spans_host ON host_revision_spans (host_id, application, started_at);
