-- Which hosts the registry has declared lost, as it pushed them (`host.liveness`, issue 15):
-- the scheduler's upkeep fails their commands in flight from this copy instead of asking the
-- registry on every tick. A row per host that was ever lost; `changed_at` (the registry's
-- time of the change) keeps a late push of an older state from undoing a newer one.
CREATE TABLE host_liveness (
    host_id TEXT PRIMARY KEY NOT NULL,
    lost BOOLEAN NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX host_liveness_lost ON host_liveness (lost);
