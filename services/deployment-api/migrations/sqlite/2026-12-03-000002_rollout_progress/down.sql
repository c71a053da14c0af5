DROP TABLE deployment_hosts;
ALTER TABLE deployments DROP COLUMN progress_seq;
ALTER TABLE deployments DROP COLUMN progress;
