import os

from libs.db.engine import make_engine

POOL_SIZE = int(os.getenv("SEARCH_DB_POOL_SIZE", "5"))


def build_engine():
    return make_engine(os.environ["SEARCH_DATABASE_URL"], pool_size=POOL_SIZE, max_overflow=0)
