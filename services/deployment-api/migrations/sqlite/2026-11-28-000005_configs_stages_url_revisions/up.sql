-- Custom deployment configurations, per team. Built-ins live in code.
CREATE TABLE deployment_configs (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    name TEXT NOT NULL,
    minimum_healthy TEXT NOT NULL,
    zone_mode TEXT NOT NULL,
    canary_batch_size INTEGER,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (team, name)
);

-- The application's stages in promotion order (a JSON array of names), if declared.
ALTER TABLE applications ADD COLUMN stages TEXT;

-- Where a revision registered by URL was fetched from (without its query).
ALTER TABLE revisions ADD COLUMN source_url TEXT;

-- What the deployment's configuration said about zones and canaries, kept with the
-- deployment like minimum_healthy, so a later change to the configuration cannot alter it.
ALTER TABLE deployments ADD COLUMN zone_mode TEXT;
ALTER TABLE deployments ADD COLUMN canary_batch_size INTEGER;

-- Set while the request that created the deployment is still being answered: the same
-- Idempotency-Key meanwhile gets 409. A lease, so a crashed request cannot hold it forever.
ALTER TABLE deployments ADD COLUMN idempotency_lease_until TIMESTAMP;

CREATE INDEX deployments_revision ON deployments (revision_id);
CREATE INDEX deployments_team_created ON deployments (team, created_at);
CREATE INDEX deployment_groups_config ON deployment_groups (deployment_config);
