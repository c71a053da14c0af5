-- The current revision of each application on each host: the latest deployment that
-- succeeded on the host, as the scheduler reports it.
CREATE TABLE host_revisions (
    host_id TEXT NOT NULL,
    application TEXT NOT NULL,
    team TEXT NOT NULL,
    deployment_group TEXT NOT NULL,
    deployment_group_id TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    installed_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (host_id, application)
);
CREATE INDEX host_revisions_team ON host_revisions (team);
