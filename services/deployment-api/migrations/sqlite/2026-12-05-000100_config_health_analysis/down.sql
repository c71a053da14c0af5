ALTER TABLE deployment_configs DROP COLUMN health_analysis;
