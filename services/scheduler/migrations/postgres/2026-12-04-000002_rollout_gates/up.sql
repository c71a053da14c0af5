-- The gates of running rollouts (issue 19), judged by the scheduler between batches.
-- Why a running rollout starts no new host now (`outside_window`, `frozen`), so the change is
-- reported (and recorded in history) once, not at every step.
ALTER TABLE rollouts ADD COLUMN waiting_for TEXT;
-- Freezes as deployment-api pushed them (`gate.freeze`): kept after they end, so a late or
-- repeated push of an older state never revives a lifted one.
CREATE TABLE gate_freezes (
    freeze_id TEXT PRIMARY KEY NOT NULL,
    team TEXT NOT NULL,
    application TEXT,
    ends_at TIMESTAMP NOT NULL,
    lifted_at TIMESTAMP,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX gate_freezes_team ON gate_freezes (team, ends_at);
-- A group's effective windows as deployment-api last pushed them (`gate.windows`); they
-- replace the copy in the specs of its rollouts.
CREATE TABLE gate_windows (
    deployment_group_id TEXT PRIMARY KEY NOT NULL,
    windows TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL
);
-- Freezes an admin let a running deployment go on despite (`gate.override`), beside the
-- ones its spec names (overridden when it was created).
CREATE TABLE gate_overrides (
    deployment_id TEXT NOT NULL,
    freeze_id TEXT NOT NULL,
    PRIMARY KEY (deployment_id, freeze_id)
);
-- Pushed events already applied, by id: a redelivery changes nothing.
CREATE TABLE gate_events (
    event_id TEXT PRIMARY KEY NOT NULL,
    received_at TIMESTAMP NOT NULL
);
