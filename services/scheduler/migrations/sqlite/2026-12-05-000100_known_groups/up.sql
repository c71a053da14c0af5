-- The scheduler's copy of every deployment group's host selector, as deployment-api pushes it
-- (`group.selector`): with `known_hosts` it gives `liftoff_hosts_by_group`, each group's hosts
-- by state, without asking deployment-api or the registry. deployment-api pushes the groups
-- created before this table once after the upgrade (its `deployment_groups.pushed_at`).
CREATE TABLE known_groups (
    deployment_group_id TEXT PRIMARY KEY NOT NULL,
    team TEXT NOT NULL,
    application TEXT NOT NULL,
    name TEXT NOT NULL,
    selector TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
