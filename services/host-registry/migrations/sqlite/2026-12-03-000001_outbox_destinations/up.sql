-- The outbox delivers to more than history (the scheduler pushes rollout progress to
-- deployment-api); each event names where it goes. Existing events were all for history.
ALTER TABLE outbox ADD COLUMN destination TEXT NOT NULL DEFAULT 'history';
CREATE INDEX outbox_destination ON outbox (destination, id);
