-- Each measurement of a rollout's health analysis. A row is written (`running`) before the
-- query is sent, and its outcome (`passed`, `failed`, `inconclusive`) after; the primary key
-- lets one replica claim a measurement number once.
CREATE TABLE analysis_measurements (
    deployment_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    measured_at TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL,
    value TEXT,
    message TEXT,
    PRIMARY KEY (deployment_id, seq)
);
