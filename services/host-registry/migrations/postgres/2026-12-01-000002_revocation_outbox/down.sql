DROP TABLE revocation_outbox;
