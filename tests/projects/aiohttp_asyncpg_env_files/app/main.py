from aiohttp import web

from app.db import pg_pool


async def health(request: web.Request) -> web.Response:
    async with request.app["pool"].acquire() as connection:
        await connection.fetchval("SELECT 1")
    return web.Response(text="ok")


def create_app() -> web.Application:
    app = web.Application()
    app.cleanup_ctx.append(pg_pool)
    app.router.add_get("/health", health)
    return app


if __name__ == "__main__":
    web.run_app(create_app())
