DROP TABLE seats;
DROP TABLE instances;
