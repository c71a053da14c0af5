DROP TABLE host_liveness;
