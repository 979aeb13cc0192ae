DROP TABLE account_status_changes;
