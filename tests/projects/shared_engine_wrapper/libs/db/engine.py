"""The one way the services build their SQLAlchemy engine, so every pool checks its connections."""

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine


def make_engine(url: str, pool_size: int = 10, **kw) -> Engine:
    return create_engine(
        url,
        pool_size=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        **kw,
    )
