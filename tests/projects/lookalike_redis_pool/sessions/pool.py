"""One blocking Redis connection pool per process, shared by the session store and the rate limiter."""

import redis

from sessions.settings import REDIS_POOL_SIZE, REDIS_POOL_TIMEOUT


def make_pool(url: str, pool_size: int = REDIS_POOL_SIZE, pool_timeout: int = REDIS_POOL_TIMEOUT, **kw):
    return redis.BlockingConnectionPool.from_url(url, max_connections=pool_size, timeout=pool_timeout, **kw)
