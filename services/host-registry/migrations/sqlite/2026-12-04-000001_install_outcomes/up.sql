-- How the scheduler says hosts' parts of deployments, and rollouts, ended (pushed through its
-- outbox). The event id makes a redelivery harmless; an outcome that arrives before the
-- registry recorded the install it concludes waits here until that install is recorded.
-- `host_id` NULL: the rollout itself ended. Pruned a week after arrival.
CREATE TABLE install_outcomes (
    event_id TEXT PRIMARY KEY,
    deployment_id TEXT NOT NULL,
    host_id TEXT,
    status TEXT NOT NULL,
    error_code TEXT,
    message TEXT,
    occurred_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX install_outcomes_deployment ON install_outcomes (deployment_id, host_id);
CREATE INDEX install_outcomes_received ON install_outcomes (received_at);
CREATE INDEX host_installs_deployment ON host_installs (deployment_id, status);
