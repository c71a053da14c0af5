DROP TABLE known_hosts;
CREATE TABLE host_liveness (
    host_id TEXT PRIMARY KEY NOT NULL,
    lost BOOLEAN NOT NULL,
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX host_liveness_lost ON host_liveness (lost);
