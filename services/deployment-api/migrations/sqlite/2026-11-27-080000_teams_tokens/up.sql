-- Teams own applications (and through them everything else); a disabled team's tokens are
-- refused everywhere.
CREATE TABLE teams (
    name TEXT PRIMARY KEY,
    description TEXT,
    disabled_at TIMESTAMP,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The team of the admin token that `liftoff up` writes.
INSERT INTO teams (name, description, created_by, created_at)
VALUES ('default', 'The team of the platform administrator', 'liftoff', CURRENT_TIMESTAMP);

-- What was minted through the API: never the token itself.
CREATE TABLE team_tokens (
    jti TEXT PRIMARY KEY,
    team TEXT NOT NULL REFERENCES teams (name),
    role TEXT NOT NULL,
    subject TEXT NOT NULL,
    platform BOOLEAN NOT NULL,
    description TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by TEXT
);

CREATE INDEX team_tokens_by_team ON team_tokens (team, created_at);

-- The revocation feed every service follows, numbered in commit order (writers serialize).
CREATE TABLE token_revocations (
    seq BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    jti TEXT,
    team TEXT,
    expires_at TIMESTAMP,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE INDEX token_revocations_by_jti ON token_revocations (jti);
