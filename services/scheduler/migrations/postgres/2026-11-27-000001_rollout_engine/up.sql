-- The rollout engine: zone modes, canary approval, operator pause, leases, per-zone counters.
ALTER TABLE rollouts ADD COLUMN canary_hosts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rollouts ADD COLUMN approved_at TIMESTAMP;
ALTER TABLE rollouts ADD COLUMN current_zone TEXT;
ALTER TABLE rollouts ADD COLUMN gate_until TIMESTAMP;
-- Background work on a rollout is claimed with a lease: owner, epoch (the fencing token) and
-- an expiry judged by the database clock.
ALTER TABLE rollouts ADD COLUMN lease_owner TEXT;
ALTER TABLE rollouts ADD COLUMN lease_epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rollouts ADD COLUMN lease_expires_at TIMESTAMP;
CREATE INDEX rollouts_group_created ON rollouts (deployment_group_id, created_at);

-- 0: failed in the group's previous deployment, 1: unknown or other revision, 2: current.
ALTER TABLE rollout_hosts ADD COLUMN tier INTEGER NOT NULL DEFAULT 1;
ALTER TABLE rollout_hosts ADD COLUMN dispatched_at TIMESTAMP;
CREATE INDEX rollout_hosts_status_position ON rollout_hosts (deployment_id, status, position);
CREATE INDEX rollout_hosts_zone_status ON rollout_hosts (deployment_id, zone, status, position);
CREATE INDEX host_commands_deployment_status ON host_commands (deployment_id, status);

-- Host counts per zone and status, kept in step with every target transition, so deciding
-- what to dispatch next costs the same for ten hosts as for ten thousand.
CREATE TABLE rollout_zones (
    deployment_id TEXT NOT NULL,
    zone TEXT NOT NULL,
    pending INTEGER NOT NULL,
    in_flight INTEGER NOT NULL,
    succeeded INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    skipped INTEGER NOT NULL,
    PRIMARY KEY (deployment_id, zone)
);
INSERT INTO rollout_zones (deployment_id, zone, pending, in_flight, succeeded, failed, skipped)
SELECT deployment_id, zone,
       SUM(CASE WHEN status = 'Pending' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status IN ('Dispatched', 'InProgress') THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'Succeeded' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'Failed' THEN 1 ELSE 0 END),
       SUM(CASE WHEN status = 'Skipped' THEN 1 ELSE 0 END)
FROM rollout_hosts GROUP BY deployment_id, zone;

-- The revision each host last ran successfully, per application: orders the next rollout.
CREATE TABLE host_revisions (
    team TEXT NOT NULL,
    application TEXT NOT NULL,
    host_id TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (team, application, host_id)
);
