DROP TABLE outbox; DROP TABLE command_events; DROP TABLE host_commands; DROP TABLE rollout_hosts; DROP TABLE rollouts;
