-- A custom configuration's health analysis (JSON, as a group's); NULL: none. A group's own
-- analysis, when it has one, is used instead.
ALTER TABLE deployment_configs ADD COLUMN health_analysis TEXT;
