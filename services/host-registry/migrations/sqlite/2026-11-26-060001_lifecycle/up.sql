-- Host lifecycle: Pending -> Installing -> InService | Failed. `epoch` numbers the host's
-- group-membership evaluations; `previous_tags` is what the host had before the change being
-- evaluated (NULL: evaluate every group); `resume_state` is the state a Lost host returns to.
ALTER TABLE hosts ADD COLUMN state_reason TEXT;
ALTER TABLE hosts ADD COLUMN state_changed_at TIMESTAMP;
ALTER TABLE hosts ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE hosts ADD COLUMN previous_tags TEXT;
ALTER TABLE hosts ADD COLUMN resume_state TEXT;

-- The installs one evaluation asked deployment-api for, and how they went.
CREATE TABLE host_installs (
    host_id TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    group_id TEXT NOT NULL,
    application TEXT NOT NULL,
    deployment_group TEXT NOT NULL,
    deployment_id TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (host_id, epoch, group_id)
);

-- Work for an agent, delivered with heartbeat answers (scale-in: ApplicationStop).
CREATE TABLE host_commands (
    id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    action_id TEXT,
    status TEXT NOT NULL,
    message TEXT,
    output_tail TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    completed_at TIMESTAMP
);
CREATE INDEX host_commands_host ON host_commands (host_id, status);

-- Autoscaling lifecycle actions, one per accepted event (the event id makes replays harmless).
CREATE TABLE lifecycle_actions (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    direction TEXT NOT NULL,
    instance_id TEXT NOT NULL,
    asg_name TEXT,
    hook_name TEXT,
    action_token TEXT,
    host_id TEXT,
    team TEXT,
    status TEXT NOT NULL,
    result TEXT,
    default_result TEXT NOT NULL,
    message TEXT,
    deadline TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);
CREATE INDEX lifecycle_actions_instance ON lifecycle_actions (instance_id, status);
CREATE INDEX lifecycle_actions_open ON lifecycle_actions (status, deadline);
