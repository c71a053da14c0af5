DROP TABLE host_revision_spans; DROP TABLE host_revisions; DROP TABLE events;
