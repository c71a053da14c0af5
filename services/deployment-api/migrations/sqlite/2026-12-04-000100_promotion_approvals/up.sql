-- Two-person approval of promotions: a stage listed here takes promotions as requests that
-- someone other than the requester approves before `expires_after_secs` have passed.
CREATE TABLE stage_approvals (
    application_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    expires_after_secs INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, stage)
);
-- A promotion waiting for (or given) its approval. The revision is fixed at the request.
-- `deployment_ids` (a JSON array) is set once the approved promotion's deployments exist.
CREATE TABLE promotion_requests (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    application_id TEXT NOT NULL,
    application TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    source_deployment_id TEXT NOT NULL,
    config TEXT,
    description TEXT,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    decided_by TEXT,
    decided_at TIMESTAMP,
    reason TEXT,
    deployment_ids TEXT,
    idempotency_key TEXT
);
CREATE INDEX promotion_requests_app ON promotion_requests (application_id, id);
CREATE UNIQUE INDEX promotion_requests_key ON promotion_requests (team, idempotency_key);
