DROP TABLE orders;
DROP TABLE seats;
DROP TABLE instances;
