import redis

from sessions import settings
from sessions.pool import make_pool

pool = make_pool(settings.REDIS_URL, pool_size=settings.REDIS_POOL_SIZE, health_check_interval=30)
client = redis.Redis(connection_pool=pool)


def load(session_id: str) -> bytes | None:
    return client.get(f"session:{session_id}")
