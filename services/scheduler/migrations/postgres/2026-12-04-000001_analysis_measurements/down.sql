DROP TABLE analysis_measurements;
