"""Read the files that may declare server limits or replica counts: once each, bytes first."""

from __future__ import annotations

from collections.abc import Iterable

from poolcheck.discover import display_path
from poolcheck.emit.escape import printable
from poolcheck.model import (
    Autoscaler,
    Bouncer,
    DatabaseUrl,
    Declarations,
    FileError,
    ProcessCount,
    ReplicaCount,
    ServerSetting,
)
from poolcheck.read import read_regular

# The files that may declare servers, replicas or processes: by suffix (every Dockerfile and
# Procfile among them), and gunicorn's configuration files, which are Python and read as code too.
DOCKERFILES = ("Dockerfile", ".dockerfile")
SUFFIXES = (".yml", ".yaml", ".conf", ".sql", ".env", *DOCKERFILES, "Procfile", "pgbouncer.ini")
GUNICORN_CONFIGS = ("gunicorn.conf.py", "gunicorn_conf.py", "gunicorn_config.py")
MAX_SIZE = 5_000_000  # bytes; generated manifests beyond this are not configuration a person wrote


def read_declarations(paths: Iterable[str]) -> Declarations:
    """Every server setting and replica count in ``paths``, and an error for each value not read.

    A file that cannot be read at all (a fifo, no permission) is a warning: most files of these
    suffixes declare nothing, so it does not fail the run. A value out of range or a document that
    cannot be read is an error naming the file and line, and the rest of the file still counts.
    """
    paths = list(paths)
    if not paths:
        return Declarations()
    # Here: the readers load PyYAML, which a run on code alone (a pre-commit hook) does not need.
    from poolcheck.capacity.sources import declarations, is_candidate

    settings: list[ServerSetting] = []
    replicas: list[ReplicaCount] = []
    errors: list[FileError] = []
    autoscalers: list[Autoscaler] = []
    processes: list[ProcessCount] = []
    bouncers: list[Bouncer] = []
    urls: list[DatabaseUrl] = []
    warnings: list[str] = []
    for path in paths:
        try:
            data = read_regular(path, MAX_SIZE)  # a fifo named postgresql.conf is not waited on
        except OSError as error:
            shown, why = printable(display_path(path)), error.strerror or str(error)
            warnings.append(f"{shown}: not read ({why}); what it may declare is not counted")
            continue
        name = path.rsplit("/", 1)[-1]
        if len(data) > MAX_SIZE or not is_candidate(name, data):
            continue
        found = declarations(path, data.decode("utf-8", "replace"))
        settings += found.settings
        replicas += found.replicas
        autoscalers += found.autoscalers
        processes += found.processes
        bouncers += found.bouncers
        urls += found.urls
        errors += [FileError(display_path(e.path), e.message, e.kind) for e in found.errors]
    return Declarations(
        tuple(settings),
        tuple(replicas),
        tuple(errors),
        autoscalers=tuple(autoscalers),
        processes=tuple(processes),
        bouncers=tuple(bouncers),
        urls=tuple(urls),
        warnings=tuple(warnings),
    )
