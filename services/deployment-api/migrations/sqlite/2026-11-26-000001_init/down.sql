DROP TABLE outbox; DROP TABLE deployments; DROP TABLE deployment_groups; DROP TABLE revisions; DROP TABLE bundle_chunks; DROP TABLE bundles; DROP TABLE applications;
