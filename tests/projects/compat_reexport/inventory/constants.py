DATABASE_URL = "postgresql+asyncpg://inventory@db/inventory"
POOL_SIZE = 15
MAX_OVERFLOW = 5
POOL_RECYCLE = 30 * 60
