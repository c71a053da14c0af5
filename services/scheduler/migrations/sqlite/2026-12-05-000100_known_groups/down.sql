DROP TABLE known_groups;
