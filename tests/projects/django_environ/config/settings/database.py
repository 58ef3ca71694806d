"""Database aliases the settings modules share, read from the environment."""

import environ

env = environ.Env()


def read_replica(pool_max_size=4, pool_timeout=5):
    """The reporting replica: a PostgreSQL alias served by psycopg's pool (Django 5.1+)."""
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": env("POSTGRES_DB"),
        "USER": env("POSTGRES_USER"),
        "PASSWORD": env("POSTGRES_PASSWORD"),
        "HOST": env("POSTGRES_REPLICA_HOST"),
        "PORT": env.int("POSTGRES_PORT", default=5432),
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "pool": {
                "min_size": 1,
                "max_size": env.int("DJANGO_REPLICA_POOL_MAX_SIZE", default=pool_max_size),
                "timeout": pool_timeout,
            },
        },
    }
