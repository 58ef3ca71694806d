"""Read the files that may declare server limits or replica counts: once each, bytes first."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import fields, replace

from poolcheck.discover import display_path
from poolcheck.emit.escape import printable
from poolcheck.model import Declarations, FileError
from poolcheck.read import read_regular

# The files that may declare servers, replicas or processes: by suffix (every Dockerfile and
# Procfile among them), and gunicorn's configuration files, which are Python and read as code too.
DOCKERFILES = ("Dockerfile", ".dockerfile")
# The env files named for an environment (.env.production, .env.local): read for the variables pools read.
ENV_FILES = tuple(
    f".env.{name}"
    for name in ("local", "dev", "development", "prod", "production", "staging", "example", "sample", "test")
)
SUFFIXES = (".yml", ".yaml", ".conf", ".sql", ".env", *ENV_FILES, *DOCKERFILES, "Procfile", "pgbouncer.ini")
GUNICORN_CONFIGS = ("gunicorn.conf.py", "gunicorn_conf.py", "gunicorn_config.py")
MAX_SIZE = 5_000_000  # bytes; generated manifests beyond this are not configuration a person wrote


def read_declarations(paths: Iterable[str], wanted: frozenset[str] = frozenset()) -> Declarations:
    """Every server setting and replica count in ``paths``, and an error for each value not read;
    with ``wanted``, the values the files give those environment variables (and the env files
    compose services name, wherever they are).

    A file that cannot be read at all (a fifo, no permission) is a warning: most files of these
    suffixes declare nothing, so it does not fail the run. A value out of range or a document that
    cannot be read is an error naming the file and line, and the rest of the file still counts.
    """
    paths = list(paths)
    if not paths:
        return Declarations()
    # Here: the readers load PyYAML, which a run on code alone (a pre-commit hook) does not need.
    from poolcheck.capacity.sources import declarations, is_candidate
    from poolcheck.project.environment import env_files_referenced

    found: list[Declarations] = []
    warnings: list[str] = []
    seen = {os.path.normpath(path) for path in paths}
    # A named env file is read only inside the tree checked, a symlink's target too: a compose file
    # in a pull request must not read ~/.aws/credentials into the report.
    tree = os.path.realpath(os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in paths]))
    named = len(paths)  # the paths after these are env files compose services name
    for number, path in enumerate(paths):
        try:
            data = read_regular(path, MAX_SIZE)  # a fifo named postgresql.conf is not waited on
        except OSError as error:
            shown, why = printable(display_path(path)), error.strerror or str(error)
            warnings.append(f"{shown}: not read ({why}); what it may declare is not counted")
            continue
        name = path.rsplit("/", 1)[-1]
        referenced = number >= named
        if len(data) > MAX_SIZE or not (referenced or is_candidate(name, data, wanted)):
            continue
        declared = declarations(path, data.decode("utf-8", "replace"), wanted, as_env_file=referenced)
        shown_errors = tuple(FileError(display_path(e.path), e.message, e.kind) for e in declared.errors)
        found.append(replace(declared, errors=shown_errors))
        # An env_file of any name (config/web.env): read once, after the file that names it.
        for env_file in env_files_referenced(declared.references):
            if env_file not in seen and _inside(env_file, tree) and os.path.isfile(env_file):
                seen.add(env_file)
                paths.append(env_file)
    # Every file's declarations one after another, field by field, and the files not read.
    combined = {
        f.name: tuple(item for part in found for item in getattr(part, f.name)) for f in fields(Declarations)
    }
    return Declarations(**{**combined, "warnings": tuple(warnings)})


def _inside(path: str, tree: str) -> bool:
    real = os.path.realpath(path)
    return real == tree or real.startswith(tree.rstrip(os.sep) + os.sep)
