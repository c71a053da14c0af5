ALTER TABLE deployments DROP COLUMN waiting_for;
DROP TABLE deployment_windows;
