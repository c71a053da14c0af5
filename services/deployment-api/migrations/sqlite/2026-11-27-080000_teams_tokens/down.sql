DROP TABLE token_revocations;
DROP TABLE team_tokens;
DROP TABLE teams;
