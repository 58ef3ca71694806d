"""Things named like pools that are not database pools: none may be reported."""

from __future__ import annotations

import pytest
from conftest import Snippets

NOT_POOLS = {
    "redis ConnectionPool": "import redis\npool = redis.ConnectionPool(host='cache', max_connections=10)",
    "redis imported names": "from redis import BlockingConnectionPool, ConnectionPool\np = ConnectionPool(max_connections=5)\nb = BlockingConnectionPool(max_connections=5, timeout=20)",
    "redis.asyncio": "from redis.asyncio import ConnectionPool\np = ConnectionPool.from_url(URL)\nq = ConnectionPool(max_connections=3)",
    "multiprocessing Pool": "import multiprocessing\nwith multiprocessing.Pool(processes=4) as pool:\n    pass",
    "thread pool executor": "from concurrent.futures import ThreadPoolExecutor\nex = ThreadPoolExecutor(max_workers=8)",
    "local create_engine wrapper": "def create_engine(url, **kw):\n    return object()\n\nengine = create_engine(URL, pool_size=5)",
    "local create_pool wrapper": "async def create_pool(dsn):\n    return None\n\nasync def main():\n    pool = await create_pool(DSN)",
    "aioredis create_pool": "import aioredis\nasync def f():\n    return await aioredis.create_pool('redis://localhost', maxsize=10)",
    "aiomysql create_pool": "import aiomysql\nasync def f():\n    return await aiomysql.create_pool(host='db', maxsize=10)",
    "method named create_engine": "class Factory:\n    def create_engine(self, url):\n        return url\n\nFactory().create_engine(URL)",
    "urllib3 pool manager": "import urllib3\nhttp = urllib3.PoolManager(num_pools=4, maxsize=10)",
    "text mentions": "# engine = create_engine(URL)  # old\nDOC = 'asyncpg.create_pool(dsn, max_size=5)'\n",
    "redis subclass": "import redis\nclass TracedPool(redis.ConnectionPool):\n    pass\np = TracedPool(max_connections=4)",
}


@pytest.mark.parametrize("code", NOT_POOLS.values(), ids=NOT_POOLS.keys())
def test_not_a_pool(snippets: Snippets, code: str) -> None:
    assert snippets.sites(code, ".py") == []


def test_wrapper_and_real_pool_in_one_file(snippets: Snippets) -> None:
    code = """
        import asyncpg
        import redis

        async def create_pool(dsn):
            return await asyncpg.create_pool(dsn, max_size=25)

        cache = redis.ConnectionPool(max_connections=100)
    """
    (site,) = snippets.sites(code, ".py")
    assert site.entry == "asyncpg.create_pool" and dict(site.knobs)["max_size"].value == 25
