DROP TABLE orders;
DROP TABLE seats;
DROP TABLE instance_connectors;
DROP TABLE instances;
