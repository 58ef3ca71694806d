"""Read the files that may declare server limits or replica counts: once each, bytes first."""

from __future__ import annotations

from collections.abc import Iterable

from poolcheck.capacity.sources import Declarations, declarations, is_candidate
from poolcheck.model import ReplicaCount, ServerSetting
from poolcheck.read import read_regular

SUFFIXES = (".yml", ".yaml", ".conf", ".sql", ".env")
MAX_SIZE = 5_000_000  # bytes; generated manifests beyond this are not configuration a person wrote


def read_declarations(paths: Iterable[str]) -> Declarations:
    """Every server setting and replica count in ``paths``; unreadable files simply declare nothing."""
    settings: list[ServerSetting] = []
    replicas: list[ReplicaCount] = []
    for path in paths:
        try:
            data = read_regular(path, MAX_SIZE)  # a fifo named postgresql.conf is not waited on
        except OSError:
            continue
        name = path.rsplit("/", 1)[-1]
        if len(data) > MAX_SIZE or not is_candidate(name, data):
            continue
        found = declarations(path, data.decode("utf-8", "replace"))
        settings += found.settings
        replicas += found.replicas
    return Declarations(tuple(settings), tuple(replicas))
