import asyncpg
from aiohttp import web

from app import settings


async def pg_pool(app: web.Application):
    app["pool"] = await asyncpg.create_pool(
        settings.DATABASE_URL,
        min_size=settings.DB_POOL_MIN,
        max_size=settings.DB_POOL_MAX,
        command_timeout=settings.DB_COMMAND_TIMEOUT,
        max_inactive_connection_lifetime=300,
    )
    yield
    await app["pool"].close()
