DROP INDEX deployment_groups_config;
DROP INDEX deployments_team_created;
DROP INDEX deployments_revision;
ALTER TABLE deployments DROP COLUMN idempotency_lease_until;
ALTER TABLE deployments DROP COLUMN canary_batch_size;
ALTER TABLE deployments DROP COLUMN zone_mode;
ALTER TABLE revisions DROP COLUMN source_url;
ALTER TABLE applications DROP COLUMN stages;
DROP TABLE deployment_configs;
