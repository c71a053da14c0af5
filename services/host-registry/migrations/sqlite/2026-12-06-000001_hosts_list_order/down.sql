DROP INDEX hosts_enrolled;
DROP INDEX hosts_state_enrolled;
DROP INDEX hosts_team_enrolled;
DROP INDEX hosts_team_state;
CREATE INDEX hosts_team_state ON hosts (team, state);
