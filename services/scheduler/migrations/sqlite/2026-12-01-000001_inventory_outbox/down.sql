DROP TABLE inventory_outbox;
