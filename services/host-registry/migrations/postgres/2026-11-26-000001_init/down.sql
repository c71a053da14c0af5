DROP TABLE outbox; DROP TABLE hosts; DROP TABLE enrollment_tokens;
