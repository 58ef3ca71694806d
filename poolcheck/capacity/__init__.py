"""Server capacity: the repository's PostgreSQL limit, replica counts, and the connection budget."""
