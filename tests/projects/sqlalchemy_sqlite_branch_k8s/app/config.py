from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ORDERS_", env_file=".env")

    database_url: str = "sqlite:///./orders.db"
    pool_size: int = 5
    max_overflow: int = 10
    pool_timeout: int = 10


@lru_cache
def get_settings() -> Settings:
    return Settings()
