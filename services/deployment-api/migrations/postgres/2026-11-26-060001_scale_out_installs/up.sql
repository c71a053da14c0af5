-- Which host a scale-out deployment installs, and the registry's key that made it (so the
-- same request again answers the same deployment).
CREATE TABLE scale_out_installs (
    deployment_id TEXT PRIMARY KEY REFERENCES deployments (id),
    team TEXT NOT NULL,
    group_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    request_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX scale_out_installs_key ON scale_out_installs (host_id, group_id, request_key);
