-- Rollout progress is pushed to deployment-api through the outbox. A host whose state changed
-- since the last report is marked, so a report carries only those hosts; the rollout keeps
-- what its last report said, so a step that changed nothing reports nothing. Every host of a
-- rollout that existed before is marked: the first report after the upgrade sends them all.
ALTER TABLE rollout_hosts ADD COLUMN unreported BOOLEAN NOT NULL DEFAULT 1;
CREATE INDEX rollout_hosts_unreported ON rollout_hosts (deployment_id, unreported);
ALTER TABLE rollouts ADD COLUMN reported TEXT;
-- Reports of one rollout are numbered (under its lock), so a receiver can tell a newer one.
ALTER TABLE rollouts ADD COLUMN report_seq BIGINT NOT NULL DEFAULT 0;
