-- How a deployment rolls out beyond minimum healthy hosts (zone mode, bake time between zones,
-- canary batch), as JSON, kept with the deployment so a later change to its configuration
-- cannot alter it. Supersedes the zone_mode and canary_batch_size columns, copied here.
ALTER TABLE deployments ADD COLUMN rollout_options TEXT;
UPDATE deployments SET rollout_options =
    '{"zone_mode":"' || zone_mode || '"' ||
    CASE WHEN canary_batch_size IS NOT NULL
         THEN ',"canary":{"type":"HOST_COUNT","value":' || canary_batch_size::text || '}'
         ELSE '' END || '}'
WHERE zone_mode IS NOT NULL;

-- With zone-at-a-time: seconds to wait after one zone finishes before the next starts.
ALTER TABLE deployment_configs ADD COLUMN zone_bake_secs INTEGER NOT NULL DEFAULT 0;
