from inventory import constants
from inventory.compat import sqlalchemy_asyncio

engine = sqlalchemy_asyncio.create_async_engine(
    constants.DATABASE_URL,
    pool_size=constants.POOL_SIZE,
    max_overflow=constants.MAX_OVERFLOW,
    pool_recycle=constants.POOL_RECYCLE,
    pool_timeout=10,
    pool_pre_ping=True,
)
