ALTER TABLE rollouts DROP COLUMN traceparent;
