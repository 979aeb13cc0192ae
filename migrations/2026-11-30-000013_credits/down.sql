DROP TABLE credit_transactions;
