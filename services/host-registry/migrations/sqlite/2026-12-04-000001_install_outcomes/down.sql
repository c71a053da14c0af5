DROP INDEX host_installs_deployment;
DROP TABLE install_outcomes;
