DROP TABLE gate_overrides;
DROP TABLE gate_events;
DROP TABLE gate_windows;
DROP TABLE gate_freezes;
ALTER TABLE rollouts DROP COLUMN waiting_for;
