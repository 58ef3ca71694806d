"""Language front ends: from a file's bytes to the pool sites in it.

Each front end declares the file suffixes it reads and the trigger tokens a file
must contain to be worth parsing (some only together with a companion token,
such as the crate or module every construction they start names); all of it is
plain data, importable without the parsers, so the prefilter costs nothing but
a byte search.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from poolcheck.frontends.python.entries import COMPANIONS as PYTHON_COMPANIONS
from poolcheck.frontends.python.entries import TRIGGERS as PYTHON_TRIGGERS
from poolcheck.model import FileResult


@dataclass(frozen=True)
class FrontEnd:
    language: str
    suffixes: tuple[str, ...]
    triggers: tuple[bytes, ...]
    module: str  # imported only when a candidate file needs it
    # trigger -> tokens of which the file must hold one as well, for the trigger to count
    companions: Mapping[bytes, tuple[bytes, ...]] = field(default_factory=dict, hash=False)

    def extract(self, path: str, data: bytes) -> FileResult:
        extractor: Callable[[str, bytes], FileResult] = importlib.import_module(self.module).extract
        return extractor(path, data)

    def extract_calls(self, path: str, wrappers: tuple[str, ...]) -> FileResult:
        """The pools built at the file's calls of the project's ``wrappers`` (a front end that reads them)."""
        extractor: Callable[[str, tuple[str, ...]], FileResult] | None = getattr(
            importlib.import_module(self.module), "extract_calls", None
        )
        return extractor(path, wrappers) if extractor is not None else FileResult(path)


RUST = FrontEnd(
    language="rust",
    suffixes=(".rs",),
    # Every origin names a PoolOptions builder, a Pool or Builder type followed by a path,
    # sea-orm's ConnectOptions / Database::connect, or deadpool's create_pool.
    triggers=(
        b"PoolOptions",
        b"Pool::",
        b"Builder::new",
        b"Builder::<",  # bb8::Builder::<M>::new(), with the manager's type as a turbofish
        b"ConnectOptions",
        b"Database::connect",
        b"create_pool",
    ),
    module="poolcheck.frontends.rust",
    # These constructions are written with their crate's name in the path or its `use`:
    # tokio's and std's `Builder::new` are not bb8's or r2d2's.
    companions={
        b"Builder::new": (b"bb8", b"r2d2"),
        b"Builder::<": (b"bb8", b"r2d2"),
        b"ConnectOptions": (b"sea_orm",),
        b"Database::connect": (b"sea_orm",),
        b"create_pool": (b"deadpool",),
    },
)

PYTHON = FrontEnd(
    language="python",
    suffixes=(".py", ".pyi"),
    triggers=PYTHON_TRIGGERS,
    module="poolcheck.frontends.python.parse",
    companions=PYTHON_COMPANIONS,
)

FRONT_ENDS: tuple[FrontEnd, ...] = (RUST, PYTHON)


def front_end_for(path: str) -> FrontEnd | None:
    return next((fe for fe in FRONT_ENDS if path.endswith(fe.suffixes)), None)
