"""A synthetic source tree for benchmarks: ordinary Rust and Python modules, a few with pools."""

from __future__ import annotations

import random
from pathlib import Path

RUST_ITEM = """
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct {name} {{
    pub id: u64,
    pub label: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub tags: Vec<String>,
}}

impl {name} {{
    pub fn new(id: u64, label: impl Into<String>) -> Self {{
        Self {{ id, label: label.into(), created_at: chrono::Utc::now(), tags: Vec::new() }}
    }}

    pub fn score(&self, weights: &[f64]) -> f64 {{
        let mut total = 0.0;
        for (i, tag) in self.tags.iter().enumerate() {{
            let w = weights.get(i).copied().unwrap_or(1.0);
            total += w * tag.len() as f64 / {n}.0;
        }}
        if total > 100.0 {{ tracing::warn!(id = self.id, "score capped"); total = 100.0; }}
        total
    }}
}}

pub async fn handle_{lower}(state: &AppState, id: u64) -> Result<Json<{name}>, ApiError> {{
    let cached = state.cache.get(&id).await;
    match cached {{
        Some(item) => Ok(Json(item)),
        None => {{
            let item = state.repo.load_{lower}(id).await.map_err(ApiError::from)?;
            state.cache.insert(id, item.clone()).await;
            Ok(Json(item))
        }}
    }}
}}
"""

RUST_POOL = """
pub async fn connect_{lower}(url: &str) -> Result<sqlx::PgPool, sqlx::Error> {{
    sqlx::postgres::PgPoolOptions::new()
        .max_connections({n})
        .acquire_timeout(std::time::Duration::from_secs(5))
        .connect(url)
        .await
}}
"""

PYTHON_ITEM = """

@dataclasses.dataclass
class {name}:
    id: int
    label: str
    tags: list[str] = dataclasses.field(default_factory=list)

    def score(self, weights: list[float]) -> float:
        total = 0.0
        for i, tag in enumerate(self.tags):
            weight = weights[i] if i < len(weights) else 1.0
            total += weight * len(tag) / {n}
        if total > 100:
            logger.warning("score capped for %s", self.id)
            total = 100.0
        return total


async def handle_{lower}(request: Request, item_id: int) -> dict[str, object]:
    cached = await request.app.state.cache.get(item_id)
    if cached is not None:
        return cached
    item = await request.app.state.repo.load_{lower}(item_id)
    await request.app.state.cache.set(item_id, item)
    return {{"id": item.id, "label": item.label, "tags": item.tags}}
"""

PYTHON_POOL = """

engine_{lower} = create_engine(
    os.environ["DATABASE_URL"],
    pool_size={n},
    max_overflow=10,
    pool_timeout=5,
    pool_recycle=1800,
    pool_pre_ping=True,
)
"""

PYTHON_HEADER = """import dataclasses
import logging
import os

logger = logging.getLogger(__name__)
"""


def build_corpus(
    root: Path, files: int, languages: tuple[str, ...], pool_share: float, seed: int = 7
) -> Path:
    """Write ``files`` modules under ``root``; about ``pool_share`` of them build a pool."""
    rng = random.Random(seed)
    for index in range(files):
        language = languages[index % len(languages)]
        folder = (
            root / f"crate{index // 200:02d}" / ("src" if language == "rust" else "app") / f"mod{index % 17}"
        )
        folder.mkdir(parents=True, exist_ok=True)
        has_pool = rng.random() < pool_share
        items = rng.randint(3, 8)
        names = [f"Item{index}x{i}" for i in range(items)]
        if language == "rust":
            body = "use axum::Json;\nuse crate::state::AppState;\n" + "".join(
                RUST_ITEM.format(name=n, lower=n.lower(), n=rng.randint(2, 90)) for n in names
            )
            if has_pool:
                body += RUST_POOL.format(lower=names[0].lower(), n=rng.choice([5, 10, 20, 50]))
            (folder / f"m{index}.rs").write_text(body)
        else:
            body = PYTHON_HEADER + "".join(
                PYTHON_ITEM.format(name=n, lower=n.lower(), n=rng.randint(2, 90)) for n in names
            )
            if has_pool:
                body = "from sqlalchemy import create_engine\n" + body
                body += PYTHON_POOL.format(lower=names[0].lower(), n=rng.choice([5, 10, 20, 50]))
            (folder / f"m{index}.py").write_text(body)
    return root
