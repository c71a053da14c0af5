-- How a deployment rolls out beyond minimum healthy hosts (zone mode, bake, canary), as JSON,
-- snapshotted from its configuration when it was created.
ALTER TABLE deployments ADD COLUMN rollout_options TEXT;

-- A team's own deployment configurations (the built-ins are in the code).
CREATE TABLE deployment_configs (
    team TEXT NOT NULL,
    name TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (team, name)
);
