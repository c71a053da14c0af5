-- deployment-api keeps its own copy of each rollout's progress, as the scheduler reports it
-- (the scheduler owns it): the last summary and the number of the report it came in, so a
-- repeated or older report changes nothing, and every host's latest state with the number of
-- the report it came in (reports that arrive out of order merge: each host keeps its newest).
ALTER TABLE deployments ADD COLUMN progress TEXT;
ALTER TABLE deployments ADD COLUMN progress_seq BIGINT;
CREATE TABLE deployment_hosts (
    deployment_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    body TEXT NOT NULL,
    seq BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (deployment_id, host_id)
);
