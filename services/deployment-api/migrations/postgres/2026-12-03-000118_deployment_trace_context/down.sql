ALTER TABLE deployments DROP COLUMN traceparent;
