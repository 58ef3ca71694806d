import os

from libs.db import make_engine

engine = make_engine(os.environ["BILLING_DATABASE_URL"])
