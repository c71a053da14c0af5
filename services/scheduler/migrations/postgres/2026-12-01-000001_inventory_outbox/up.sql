-- Hosts' current revisions, told to host-registry: a row is written in the transaction that
-- records a host's deployment as succeeded, and a relay delivers it (oldest first, deleted
-- once host-registry acknowledged it), so the registry's inventory misses no success.
CREATE TABLE inventory_outbox (
    id BIGSERIAL PRIMARY KEY,
    host_id TEXT NOT NULL,
    team TEXT NOT NULL,
    application TEXT NOT NULL,
    deployment_group TEXT NOT NULL,
    deployment_group_id TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    succeeded_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);

-- What hosts already run: each host's latest success per application before this migration.
INSERT INTO inventory_outbox (host_id, team, application, deployment_group, deployment_group_id,
                              deployment_id, revision_id, succeeded_at, created_at)
SELECT h.host_id, r.team, r.application, r.deployment_group, r.deployment_group_id,
       r.deployment_id, r.revision_id, h.completed_at, h.completed_at
FROM rollout_hosts h JOIN rollouts r ON r.deployment_id = h.deployment_id
WHERE h.status = 'Succeeded' AND h.completed_at IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM rollout_hosts h2 JOIN rollouts r2 ON r2.deployment_id = h2.deployment_id
    WHERE h2.host_id = h.host_id AND r2.team = r.team AND r2.application = r.application
      AND h2.status = 'Succeeded' AND h2.completed_at > h.completed_at
  );
