"""A synthetic monorepo for benchmarks: ordinary Rust and Python modules, a few with pools.

Most files are the code a service repository is made of (models, handlers,
errors, traits, tests, CLIs, configuration) in varied sizes. About
``pool_share`` of them build a connection pool; about ``lookalike_share``
mention a trigger token without building a database pool (a redis
``ConnectionPool``, a thread pool, a tokio runtime ``Builder::new_multi_thread``,
a docstring naming SQLAlchemy), so the prefilter lets them through and the
parser rejects them, as in a real repository.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

# --- Rust ---------------------------------------------------------------------------------------

RUST_MODEL = """
/// A {lower} as the API returns it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct {name} {{
    pub id: u64,
    pub label: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub tags: Vec<String>,
    pub weight: f64,
}}

impl {name} {{
    pub fn new(id: u64, label: impl Into<String>) -> Self {{
        Self {{ id, label: label.into(), created_at: chrono::Utc::now(), tags: Vec::new(), weight: 1.0 }}
    }}

    pub fn score(&self, weights: &[f64]) -> f64 {{
        let mut total = 0.0;
        for (i, tag) in self.tags.iter().enumerate() {{
            let w = weights.get(i).copied().unwrap_or(1.0);
            total += w * tag.len() as f64 / {n}.0;
        }}
        if total > 100.0 {{
            tracing::warn!(id = self.id, "score capped");
            total = 100.0;
        }}
        total * self.weight
    }}
}}
"""

RUST_HANDLER = """
pub async fn get_{lower}(
    State(state): State<Arc<AppState>>,
    Path(id): Path<u64>,
) -> Result<Json<{name}>, ApiError> {{
    if let Some(item) = state.cache.get(&id).await {{
        return Ok(Json(item));
    }}
    let item = sqlx::query_as::<_, {name}>("SELECT * FROM {lower} WHERE id = $1")
        .bind(id as i64)
        .fetch_optional(&state.pool)
        .await?
        .ok_or(ApiError::NotFound)?;
    state.cache.insert(id, item.clone()).await;
    Ok(Json(item))
}}

pub async fn list_{lower}(
    State(state): State<Arc<AppState>>,
    Query(page): Query<Page>,
) -> Result<Json<Vec<{name}>>, ApiError> {{
    let limit = page.limit.unwrap_or({n}).min(500);
    let rows = sqlx::query_as::<_, {name}>("SELECT * FROM {lower} ORDER BY id LIMIT $1 OFFSET $2")
        .bind(limit as i64)
        .bind(page.offset.unwrap_or(0) as i64)
        .fetch_all(&state.pool)
        .await?;
    Ok(Json(rows))
}}
"""

RUST_ERROR = """
#[derive(Debug, thiserror::Error)]
pub enum {name}Error {{
    #[error("{lower} {{0}} not found")]
    NotFound(u64),
    #[error("invalid {lower}: {{reason}}")]
    Invalid {{ reason: String }},
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}}

impl IntoResponse for {name}Error {{
    fn into_response(self) -> Response {{
        let status = match &self {{
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid {{ .. }} => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Database(_) | Self::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }};
        (status, Json(serde_json::json!({{ "error": self.to_string(), "code": {n} }}))).into_response()
    }}
}}
"""

RUST_TRAIT = """
#[async_trait::async_trait]
pub trait {name}Store: Send + Sync {{
    async fn load(&self, id: u64) -> anyhow::Result<Option<{name}>>;
    async fn save(&self, item: &{name}) -> anyhow::Result<()>;
    async fn delete(&self, id: u64) -> anyhow::Result<bool>;
}}

pub struct Memory{name}Store {{
    items: tokio::sync::RwLock<std::collections::HashMap<u64, {name}>>,
}}

#[async_trait::async_trait]
impl {name}Store for Memory{name}Store {{
    async fn load(&self, id: u64) -> anyhow::Result<Option<{name}>> {{
        Ok(self.items.read().await.get(&id).cloned())
    }}

    async fn save(&self, item: &{name}) -> anyhow::Result<()> {{
        self.items.write().await.insert(item.id, item.clone());
        Ok(())
    }}

    async fn delete(&self, id: u64) -> anyhow::Result<bool> {{
        Ok(self.items.write().await.remove(&id).is_some())
    }}
}}
"""

RUST_TESTS = """
#[cfg(test)]
mod tests_{lower} {{
    use super::*;

    #[test]
    fn score_is_capped() {{
        let mut item = {name}::new(1, "x");
        item.tags = (0..{n}).map(|i| format!("tag-{{i}}")).collect();
        assert!(item.score(&[1000.0; 8]) <= 100.0);
    }}

    #[tokio::test]
    async fn memory_store_round_trips() {{
        let store = Memory{name}Store {{ items: Default::default() }};
        store.save(&{name}::new(7, "seven")).await.unwrap();
        assert_eq!(store.load(7).await.unwrap().map(|i| i.label), Some("seven".to_string()));
        assert!(store.delete(7).await.unwrap());
    }}
}}
"""

RUST_CONFIG = """
#[derive(Debug, Clone, serde::Deserialize)]
pub struct {name}Settings {{
    #[serde(default = "default_{lower}_port")]
    pub port: u16,
    pub database_url: String,
    #[serde(default)]
    pub workers: usize,
    #[serde(with = "humantime_serde", default = "default_{lower}_timeout")]
    pub timeout: std::time::Duration,
}}

fn default_{lower}_port() -> u16 {{
    {port}
}}

fn default_{lower}_timeout() -> std::time::Duration {{
    std::time::Duration::from_secs({n})
}}

impl {name}Settings {{
    pub fn from_env() -> anyhow::Result<Self> {{
        let settings = config::Config::builder()
            .add_source(config::File::with_name("settings").required(false))
            .add_source(config::Environment::with_prefix("{upper}"))
            .build()?;
        Ok(settings.try_deserialize()?)
    }}
}}
"""

RUST_HEADER = """use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;

use crate::error::ApiError;
use crate::state::{AppState, Page};
"""

RUST_POOLS = (
    """
pub async fn connect_{lower}(url: &str) -> Result<sqlx::PgPool, sqlx::Error> {{
    sqlx::postgres::PgPoolOptions::new()
        .max_connections({size})
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(url)
        .await
}}
""",
    """
pub async fn {lower}_pool(settings: &{name}Settings) -> anyhow::Result<PgPool> {{
    let pool = PgPoolOptions::new()
        .max_connections({size})
        .min_connections(2)
        .idle_timeout(Duration::from_secs(600))
        .max_lifetime(Duration::from_secs(1800))
        .connect(&settings.database_url)
        .await?;
    Ok(pool)
}}
""",
    """
pub async fn {lower}_lazy(url: &str) -> sqlx::MySqlPool {{
    MySqlPoolOptions::new().max_connections({size}).connect_lazy(url).expect("valid url")
}}
""",
)

RUST_POOL_HEADER = """use std::time::Duration;
use sqlx::mysql::MySqlPoolOptions;
use sqlx::postgres::{PgPool, PgPoolOptions};
"""

# Trigger tokens in code that builds no database pool.
RUST_LOOKALIKES = (
    """
pub fn runtime(workers: usize) -> std::io::Result<tokio::runtime::Runtime> {{
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max({n}))
        .thread_name("{lower}-worker")
        .enable_all()
        .build()
}}
""",
    """
pub fn cpu_pool() -> threadpool::ThreadPool {{
    threadpool::ThreadPool::new({n})
}}
""",
    """
pub fn spawn_{lower}(job: impl FnOnce() + Send + 'static) -> std::io::Result<std::thread::JoinHandle<()>> {{
    std::thread::Builder::new().name("{lower}".into()).stack_size(4 << 20).spawn(job)
}}
""",
)

# --- Python -------------------------------------------------------------------------------------

PYTHON_MODEL = """

@dataclasses.dataclass
class {name}:
    \"\"\"A {lower} as the service stores it.\"\"\"

    id: int
    label: str
    tags: list[str] = dataclasses.field(default_factory=list)
    weight: float = 1.0

    def score(self, weights: list[float]) -> float:
        total = 0.0
        for i, tag in enumerate(self.tags):
            weight = weights[i] if i < len(weights) else 1.0
            total += weight * len(tag) / {n}
        if total > 100:
            logger.warning("score capped for %s", self.id)
            total = 100.0
        return total * self.weight

    def to_dict(self) -> dict[str, object]:
        return {{"id": self.id, "label": self.label, "tags": list(self.tags), "weight": self.weight}}
"""

PYTHON_HANDLER = """

@router.get("/{lower}/{{item_id}}")
async def get_{lower}(item_id: int, request: Request) -> dict[str, object]:
    cached = await request.app.state.cache.get(f"{lower}:{{item_id}}")
    if cached is not None:
        return cached
    item = await request.app.state.repo.load_{lower}(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="{lower} not found")
    await request.app.state.cache.set(f"{lower}:{{item_id}}", item, ex={n})
    return item


@router.get("/{lower}")
async def list_{lower}(request: Request, limit: int = {n}, offset: int = 0) -> list[dict[str, object]]:
    limit = min(limit, 500)
    rows = await request.app.state.repo.list_{lower}(limit=limit, offset=offset)
    return [row.to_dict() for row in rows]
"""

PYTHON_SERVICE = """

class {name}Service:
    \"\"\"Business rules for {lower} records.\"\"\"

    def __init__(self, repo: "Repository", clock: Callable[[], float] = time.time) -> None:
        self._repo = repo
        self._clock = clock
        self._seen: dict[int, float] = {{}}

    def touch(self, item_id: int) -> None:
        self._seen[item_id] = self._clock()

    def stale(self, max_age: float = {n}.0) -> list[int]:
        now = self._clock()
        return sorted(i for i, seen in self._seen.items() if now - seen > max_age)

    async def rename(self, item_id: int, label: str) -> None:
        if not label.strip():
            raise ValueError("empty label")
        item = await self._repo.load_{lower}(item_id)
        if item is None:
            raise KeyError(item_id)
        item.label = label.strip()
        await self._repo.save_{lower}(item)
"""

PYTHON_TESTS = """

@pytest.fixture
def {lower}() -> "{name}":
    return {name}(id=1, label="one", tags=["a" * {n}, "b"])


def test_{lower}_score_is_capped({lower}: "{name}") -> None:
    {lower}.tags = ["x" * 1000] * 10
    assert {lower}.score([10.0] * 10) <= 100.0


@pytest.mark.parametrize("label", ["", "  "])
def test_{lower}_rejects_empty_labels(label: str) -> None:
    service = {name}Service(repo=FakeRepository())
    with pytest.raises(ValueError):
        asyncio.run(service.rename(1, label))
"""

PYTHON_CLI = """

def main_{lower}(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Maintenance for {lower} records.")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--batch", type=int, default={n})
    parser.add_argument("ids", nargs="*", type=int)
    args = parser.parse_args(argv)
    for start in range(0, len(args.ids), args.batch):
        chunk = args.ids[start : start + args.batch]
        logger.info("processing %d {lower} records", len(chunk))
        if not args.dry_run:
            process_{lower}(chunk)
    return 0
"""

PYTHON_HEADER = """import argparse
import asyncio
import dataclasses
import logging
import os
import time
from collections.abc import Callable

import pytest
from fastapi import APIRouter, HTTPException, Request

logger = logging.getLogger(__name__)
router = APIRouter()
"""

PYTHON_POOLS = (
    (
        "from sqlalchemy import create_engine\n",
        """

engine_{lower} = create_engine(
    os.environ["DATABASE_URL"],
    pool_size={size},
    max_overflow=10,
    pool_timeout=5,
    pool_recycle=1800,
    pool_pre_ping=True,
)
""",
    ),
    (
        "import asyncpg\n",
        """

async def {lower}_pool() -> "asyncpg.Pool":
    return await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=2, max_size={size})
""",
    ),
    (
        "from psycopg_pool import ConnectionPool\n",
        """

pool_{lower} = ConnectionPool(os.environ["DATABASE_URL"], min_size=1, max_size={size}, timeout=5.0)
""",
    ),
)

PYTHON_LOOKALIKES = (
    (
        "import redis\n",
        """

cache_pool = redis.ConnectionPool(host=os.environ.get("REDIS_HOST", "localhost"), max_connections={n})
cache = redis.Redis(connection_pool=cache_pool)
""",
    ),
    (
        "from redis.asyncio import ConnectionPool\n",
        """

def {lower}_cache_pool() -> ConnectionPool:
    return ConnectionPool.from_url(os.environ["REDIS_URL"], max_connections={n})
""",
    ),
    (
        "",
        """

class {name}Repository:
    \"\"\"Loads and saves {lower} rows; the session comes from the SQLAlchemy unit of work.\"\"\"

    def __init__(self, session: object) -> None:
        self.session = session
""",
    ),
    (
        "import aiomysql\n",
        """

async def {lower}_mysql() -> object:
    return await aiomysql.create_pool(host="db", user="app", db="{lower}", maxsize={n})
""",
    ),
)

Template = Callable[[random.Random, str], str]


def _rust_file(rng: random.Random, stem: str, kind: str) -> str:
    names = [f"{stem.title()}{rng.choice(NOUNS)}{i}" for i in range(rng.choice(ITEMS))]
    parts = [RUST_HEADER]
    for name in names:
        fields = {"name": name, "lower": name.lower(), "upper": name.upper(), "n": rng.randint(2, 90)}
        fields["port"] = rng.randint(1024, 9999)
        chosen = rng.sample((RUST_MODEL, RUST_HANDLER, RUST_ERROR, RUST_TRAIT, RUST_TESTS, RUST_CONFIG), 3)
        parts += [template.format(**fields) for template in chosen]
    first = {
        "name": names[0],
        "lower": names[0].lower(),
        "n": rng.randint(2, 16),
        "size": rng.choice((5, 10, 50)),
    }
    if kind == "pool":
        parts.insert(0, RUST_POOL_HEADER)
        parts.append(rng.choice(RUST_POOLS).format(**first))
    elif kind == "lookalike":
        parts.append(rng.choice(RUST_LOOKALIKES).format(**first))
    return "".join(parts)


def _python_file(rng: random.Random, stem: str, kind: str) -> str:
    names = [f"{stem.title()}{rng.choice(NOUNS)}{i}" for i in range(rng.choice(ITEMS))]
    parts = [PYTHON_HEADER]
    for name in names:
        fields = {"name": name, "lower": name.lower(), "n": rng.randint(2, 90)}
        chosen = rng.sample((PYTHON_MODEL, PYTHON_HANDLER, PYTHON_SERVICE, PYTHON_TESTS, PYTHON_CLI), 3)
        parts += [template.format(**fields) for template in chosen]
    first = {
        "name": names[0],
        "lower": names[0].lower(),
        "n": rng.randint(2, 16),
        "size": rng.choice((5, 10, 50)),
    }
    if kind in ("pool", "lookalike"):
        imports, body = rng.choice(PYTHON_POOLS if kind == "pool" else PYTHON_LOOKALIKES)
        parts.insert(0, imports)
        parts.append(body.format(**first))
    return "".join(parts)


ITEMS = (1, 1, 1, 2, 2, 3, 4, 6, 9)  # items per module: most modules are small, a few are long
NOUNS = ("Order", "Invoice", "Account", "Session", "Ledger", "Shipment", "Report", "Tenant", "Quota", "Event")
SERVICES = (
    "billing",
    "orders",
    "accounts",
    "search",
    "ledger",
    "shipping",
    "reports",
    "auth",
    "quota",
    "events",
)


def build_corpus(
    root: Path,
    files: int = 10_000,
    languages: tuple[str, ...] = ("rust", "python"),
    pool_share: float = 0.02,
    lookalike_share: float = 0.01,
    seed: int = 7,
) -> Path:
    """Write ``files`` modules under ``root`` (the same tree for the same arguments)."""
    rng = random.Random(seed)
    for index in range(files):
        language = languages[index % len(languages)]
        service = SERVICES[index % len(SERVICES)]
        crate = f"{service}{index // 1000}"
        area = rng.choice(("api", "domain", "store", "jobs", "util"))
        if language == "rust":
            folder = root / "crates" / crate / "src" / area
        else:
            folder = root / "services" / crate / crate / area
        folder.mkdir(parents=True, exist_ok=True)
        draw = rng.random()
        kind = (
            "pool" if draw < pool_share else "lookalike" if draw < pool_share + lookalike_share else "plain"
        )
        stem = f"{area}_{index}"
        if language == "rust":
            (folder / f"{stem}.rs").write_text(_rust_file(rng, stem, kind))
        else:
            (folder / f"{stem}.py").write_text(_python_file(rng, stem, kind))
    add_version_files(root, seed)
    return root


# Crates a Rust service's lockfile holds besides the pool's, and a Python service's other packages.
LOCKED_CRATES = 300
LOCKED_PACKAGES = 120
PYTHON_REQUIREMENTS = ("fastapi==0.115.6", "pydantic>=2.9,<3", "httpx~=0.27", "structlog", "orjson==3.10.12")


def add_version_files(root: Path, seed: int = 7) -> int:
    """Add what a monorepo declares its library versions in, so a run looks them up: a workspace
    Cargo.toml and Cargo.lock at the top and a Cargo.toml per crate (its sqlx from the workspace);
    per service a pyproject.toml and requirements.txt, and every other service a uv.lock.

    Returns the number of files written.
    """
    rng = random.Random(seed)
    written = 0
    crates = sorted(p for p in (root / "crates").iterdir()) if (root / "crates").is_dir() else []
    if crates:
        (root / "Cargo.toml").write_text(
            '[workspace]\nmembers = ["crates/*"]\nresolver = "2"\n\n[workspace.dependencies]\n'
            'sqlx = { version = "0.7", features = ["postgres", "runtime-tokio"] }\nbb8 = "0.8"\n'
        )
        packages = [(crate.name, "0.1.0", ("sqlx", "bb8", "tokio")) for crate in crates]
        packages += [("sqlx", "0.7.4", ("sqlx-core",)), ("bb8", "0.8.5", ()), ("deadpool", "0.12.1", ())]
        packages += [
            (f"dependency-{n}", f"1.{rng.randrange(40)}.{rng.randrange(9)}", ()) for n in range(LOCKED_CRATES)
        ]
        (root / "Cargo.lock").write_text(_cargo_lock(packages))
        for crate in crates:
            (crate / "Cargo.toml").write_text(
                f'[package]\nname = "{crate.name}"\nversion = "0.1.0"\nedition = "2021"\n\n'
                '[dependencies]\nsqlx = { workspace = true }\nbb8.workspace = true\ntokio = "1"\n'
            )
        written += 2 + len(crates)
    services = sorted(p for p in (root / "services").iterdir()) if (root / "services").is_dir() else []
    for number, service in enumerate(services):
        (service / "pyproject.toml").write_text(
            f'[project]\nname = "{service.name}"\nversion = "0.1.0"\n'
            'dependencies = ["asyncpg>=0.29", "psycopg-pool>=3.1,<4", "sqlalchemy>=2.0"]\n\n'
            "[tool.ruff]\nline-length = 100\n"
        )
        (service / "requirements.txt").write_text(
            "\n".join([*PYTHON_REQUIREMENTS, "asyncpg==0.30.0", "psycopg-pool==3.2.4", "SQLAlchemy==2.0.36"])
            + "\n"
        )
        written += 2
        if number % 2 == 0:
            locked = [("asyncpg", "0.30.0"), ("psycopg-pool", "3.2.4"), ("sqlalchemy", "2.0.36")]
            locked += [
                (f"package-{n}", f"2.{rng.randrange(30)}.{rng.randrange(9)}") for n in range(LOCKED_PACKAGES)
            ]
            (service / "uv.lock").write_text(
                'version = 1\nrequires-python = ">=3.11"\n'
                + "".join(
                    f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
                    'source = { registry = "https://pypi.org/simple" }\n'
                    for name, version in locked
                )
            )
            written += 1
    return written


def _cargo_lock(packages: list[tuple[str, str, tuple[str, ...]]]) -> str:
    parts = ["# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\n"]
    parts.append("version = 3\n")
    for name, version, dependencies in packages:
        listed = "".join(f' "{d}",\n' for d in dependencies)
        parts.append(
            f'\n[[package]]\nname = "{name}"\nversion = "{version}"\n'
            'source = "registry+https://github.com/rust-lang/crates.io-index"\n'
            + (f"dependencies = [\n{listed}]\n" if dependencies else "")
        )
    return "".join(parts)


# The ignore files a Rust and Python monorepo carries, and the build output they leave out.
ROOT_GITIGNORE = """\
# editors and tools
.idea/
.vscode/
*.swp
.DS_Store
# Rust
target/
**/*.rs.bk
# Python
__pycache__/
*.py[cod]
*.egg-info/
.venv/
.pytest_cache/
.mypy_cache/
.coverage
coverage.xml
htmlcov/
/dist
# generated code is built, not committed
**/generated/
*_pb2.py
!proto/*_pb2.py
*.log
.env.local
"""
CRATE_GITIGNORE = "/target\nCargo.lock\n*.profraw\n"
SERVICE_GITIGNORE = "/build/\n.tox/\nlocal_settings.py\n!fixtures/*.py\n"
GENERATED_PER_FOLDER = 5  # ignored generated modules per crate and per service


def add_ignore_files(root: Path) -> int:
    """Add .gitignore files (one at the top, one per crate and service) and the files they ignore.

    Returns the number of ignored source files written, so a walk can be checked to leave them out.
    """
    (root / ".gitignore").write_text(ROOT_GITIGNORE)
    ignored = 0
    for kind, ignore in (("crates", CRATE_GITIGNORE), ("services", SERVICE_GITIGNORE)):
        for package in sorted((root / kind).iterdir()) if (root / kind).is_dir() else ():
            (package / ".gitignore").write_text(ignore)
            generated = package / "generated"
            generated.mkdir(exist_ok=True)
            suffix = ".rs" if kind == "crates" else ".py"
            for number in range(GENERATED_PER_FOLDER):
                (generated / f"schema_{number}{suffix}").write_text("// generated\n")
            ignored += GENERATED_PER_FOLDER
            if kind == "services":
                (package / "api_pb2.py").write_text("# generated\n")
                ignored += 1
    return ignored
