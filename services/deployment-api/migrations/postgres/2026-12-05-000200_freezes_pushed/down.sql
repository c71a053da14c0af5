ALTER TABLE freezes DROP COLUMN pushed_at;
