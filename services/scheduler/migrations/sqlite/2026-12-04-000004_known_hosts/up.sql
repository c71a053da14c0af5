-- The scheduler's copy of every host's membership (team, zone, tags, state), as host-registry
-- pushes it (`host.membership`, issue 15): rollouts are planned from it, hosts that join a
-- group are added to running rollouts when the push arrives, and the upkeep fails commands in
-- flight on lost hosts from it. Nothing asks the registry on a timer. `changed_at` (the
-- registry's time of the change) keeps a late push of an older state from undoing a newer
-- one; rows read from the registry to seed the copy carry the epoch, older than any push.
-- It replaces `host_liveness` (lost or not), which the pushes and the seed rebuild.
CREATE TABLE known_hosts (
    host_id TEXT PRIMARY KEY NOT NULL,
    team TEXT NOT NULL,
    zone TEXT NOT NULL,
    tags TEXT NOT NULL,
    state TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX known_hosts_team ON known_hosts (team);
CREATE INDEX known_hosts_state ON known_hosts (state);
DROP TABLE host_liveness;
