DROP TABLE scale_out_installs;
