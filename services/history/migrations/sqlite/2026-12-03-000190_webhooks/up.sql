-- A team's webhook subscriptions. The secret signs deliveries, so it is kept as it is (the API
-- shows it only when it is created or rotated); the previous one keeps signing until it expires.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    application TEXT,
    deployment_group TEXT,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at TIMESTAMP,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_team ON webhooks (team, created_at);

-- The delivery queue: one row per event and subscription, written in the transaction that
-- appends the event to the log, so `id` follows the log's order. Of the pending rows of one
-- subscription and subject only the oldest is attempted.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL UNIQUE,
    webhook_id TEXT NOT NULL,
    team TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    queued_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (status, webhook_id, id);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- Every attempt: what the receiver answered, how fast, or why there was no answer.
CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    status_code INTEGER,
    latency_ms BIGINT NOT NULL,
    response TEXT,
    error TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
