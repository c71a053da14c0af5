ALTER TABLE deployment_groups DROP COLUMN traffic_hooks;
