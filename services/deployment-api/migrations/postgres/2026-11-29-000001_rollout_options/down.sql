ALTER TABLE deployment_configs DROP COLUMN zone_bake_secs;
ALTER TABLE deployments DROP COLUMN rollout_options;
