-- Deployment windows of a group: weekly spans (JSON list of specs like
-- "Mon-Thu 09:00-16:00 Europe/Berlin") in which its deployments may start, and what happens to
-- one asked for outside them: `wait` (queued until a window opens) or `refuse` (409).
CREATE TABLE deployment_windows (
    group_id TEXT PRIMARY KEY,
    windows TEXT NOT NULL,
    outside_window TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- Why a queued deployment waits beyond the group's queue (`outside_window`); NULL otherwise.
ALTER TABLE deployments ADD COLUMN waiting_for TEXT;
