from pydantic_settings import BaseSettings, SettingsConfigDict


class ExportSettings(BaseSettings):
    """How the export worker runs its jobs: threads for I/O, processes for rendering."""

    model_config = SettingsConfigDict(env_prefix="EXPORT_")

    pool_size: int = 8
    max_overflow: int = 4
    pool_timeout: float = 30.0
    pool_recycle: int = 100  # jobs a process renders before it is replaced


settings = ExportSettings()
