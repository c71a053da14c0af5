DROP INDEX rollout_hosts_unreported;
ALTER TABLE rollout_hosts DROP COLUMN unreported;
ALTER TABLE rollouts DROP COLUMN reported;
ALTER TABLE rollouts DROP COLUMN report_seq;
