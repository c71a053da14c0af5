-- When the freeze's state was first pushed to the scheduler (gate.freeze). NULL: never, so
-- a freeze created before the push existed; deployment-api pushes those once
-- (app/freezes.rs push_unpushed). Lifted ones need no push.
ALTER TABLE freezes ADD COLUMN pushed_at TIMESTAMP;
UPDATE freezes SET pushed_at = created_at WHERE lifted_at IS NOT NULL;
