import redis.asyncio as aioredis

from sessions.settings import REDIS_URL

pool = aioredis.ConnectionPool.from_url(REDIS_URL, max_connections=10)
client = aioredis.Redis(connection_pool=pool)
