ALTER TABLE deployment_groups DROP COLUMN health_analysis;
