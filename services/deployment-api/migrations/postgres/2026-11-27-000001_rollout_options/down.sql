DROP TABLE deployment_configs;
ALTER TABLE deployments DROP COLUMN rollout_options;
