-- Deployment freezes: until `ends_at` no deployment of the team (or of `application`) starts,
-- unless an admin overrides with a written reason. A lifted freeze is kept for the record.
CREATE TABLE freezes (
    id TEXT PRIMARY KEY,
    team TEXT NOT NULL,
    application TEXT,
    reason TEXT NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    lifted_at TIMESTAMP,
    lifted_by TEXT
);
CREATE INDEX freezes_team ON freezes (team, ends_at);
