from libs.db.engine import make_engine

__all__ = ["make_engine"]
