DROP TABLE host_revisions;
