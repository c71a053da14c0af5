DROP INDEX outbox_destination;
ALTER TABLE outbox DROP COLUMN destination;
