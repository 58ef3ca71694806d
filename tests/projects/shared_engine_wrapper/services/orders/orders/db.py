import os

from libs.db.engine import make_engine
from sqlalchemy.orm import sessionmaker

engine = make_engine(os.environ["ORDERS_DATABASE_URL"], pool_size=20, max_overflow=10, pool_timeout=5)
SessionLocal = sessionmaker(bind=engine, autoflush=False)
