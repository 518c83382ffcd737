"""The risk register's runs, snapshots and sign-offs."""
