DROP TABLE emails;
DROP TABLE one_time_tokens;
