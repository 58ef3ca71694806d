"""Optional dependencies: the service runs its read-only mode without a database driver."""

try:
    import sqlalchemy
    from sqlalchemy.ext import asyncio as sqlalchemy_asyncio
except ImportError:  # pragma: no cover - the read-only image
    sqlalchemy = None
    sqlalchemy_asyncio = None

try:
    import orjson as json
except ImportError:  # pragma: no cover
    import json  # type: ignore[no-redef]

__all__ = ["json", "sqlalchemy", "sqlalchemy_asyncio"]
