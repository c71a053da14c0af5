-- The group's hosts have their traffic blocked and allowed by the bundle's own hooks
-- (BeforeBlockTraffic, AfterBlockTraffic, BeforeAllowTraffic, AfterAllowTraffic), which the
-- agent then runs in CodeDeploy's in-place order. Off for every existing group: as before.
ALTER TABLE deployment_groups ADD COLUMN traffic_hooks BOOLEAN NOT NULL DEFAULT FALSE;
