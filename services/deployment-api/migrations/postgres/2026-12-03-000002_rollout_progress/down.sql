DROP TABLE deployment_hosts;
ALTER TABLE deployments DROP COLUMN progress_event_id;
ALTER TABLE deployments DROP COLUMN progress;
