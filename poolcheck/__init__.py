"""poolcheck: a static linter for database connection-pool configuration."""

__version__ = "0.1.0"
