-- When the group's selector was first pushed to the scheduler (group.selector), which counts
-- each group's hosts by state for `liftoff_hosts_by_group`. NULL: never, so a group created
-- before the push existed; deployment-api pushes those once (app/groups.rs push_unpushed).
ALTER TABLE deployment_groups ADD COLUMN pushed_at TIMESTAMP;
