ALTER TABLE deployment_groups DROP COLUMN pushed_at;
