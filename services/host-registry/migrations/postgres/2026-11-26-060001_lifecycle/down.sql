DROP TABLE lifecycle_actions;
DROP TABLE host_commands;
DROP TABLE host_installs;
ALTER TABLE hosts DROP COLUMN resume_state;
ALTER TABLE hosts DROP COLUMN previous_tags;
ALTER TABLE hosts DROP COLUMN epoch;
ALTER TABLE hosts DROP COLUMN state_changed_at;
ALTER TABLE hosts DROP COLUMN state_reason;
