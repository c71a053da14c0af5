-- A group's health analysis (JSON: query, prometheus_url, interval, limits, bake); NULL: none.
ALTER TABLE deployment_groups ADD COLUMN health_analysis TEXT;
