"""How many processes each replica of a service runs, read from the commands that start it.

Every gunicorn, uvicorn or Hypercorn worker and every Celery prefork child imports
the application and builds its pools, so a pool's connections multiply by them.
The commands are read where deployments write them: Dockerfile ``CMD`` and
``ENTRYPOINT``, compose and Kubernetes commands, Procfile lines, gunicorn's
configuration file, and ``WEB_CONCURRENCY``, which gunicorn and uvicorn take as
their default worker count. A flag on the command line wins over the
configuration file, which wins over the environment, as gunicorn reads them.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from poolcheck.numbers import parse_count

MAX_PROCESSES = 10_000
MAX_COMMAND = 10_000  # characters of one command worth splitting


@dataclass(frozen=True)
class Server:
    """A program that forks workers: the flags that set their number and how many it starts unset."""

    flags: tuple[str, ...]
    default: int | None  # None: one per CPU
    subcommand: str | None = None  # Celery forks workers under `celery worker` only
    environment: bool = False  # reads WEB_CONCURRENCY as its default
    # Flags that choose a worker model, and the models that run in one process (threads, green threads).
    model_flags: tuple[str, ...] = ()
    one_process: tuple[str, ...] = ()
    thread_flags: tuple[str, ...] = ()  # threads per process


# gunicorn: config.py (`workers`, default $WEB_CONCURRENCY or 1); uvicorn: main.py (`--workers`,
# default $WEB_CONCURRENCY or 1); Hypercorn: `-w/--workers`, default 1; Celery: `-c/--concurrency`,
# default the CPU count (prefork).
SERVERS = {
    "gunicorn": Server(("-w", "--workers"), 1, environment=True, thread_flags=("--threads",)),
    "uvicorn": Server(("--workers",), 1, environment=True),
    "hypercorn": Server(("-w", "--workers"), 1),
    "celery": Server(
        ("-c", "--concurrency"),
        None,
        subcommand="worker",
        model_flags=("-P", "--pool"),
        one_process=("solo", "threads", "gevent", "eventlet"),
    ),
}
SEPARATORS = re.compile(r"&&|\|\||;|\n")
# $WEB_CONCURRENCY, ${WEB_CONCURRENCY}, ${WEB_CONCURRENCY:-4}: the default, else set at run time.
VARIABLE = re.compile(r"\$\{?\w+(?:(?::?-)([^}]*))?\}?")


@dataclass(frozen=True)
class Workers:
    """The workers one command starts: how many (None: one per CPU), the program, and the flag."""

    count: int | None
    program: str
    written: str  # "--workers 4", "default", "WEB_CONCURRENCY"
    threads: int = 1  # per process (gunicorn --threads): Django holds a connection per thread


def command_workers(command: str | list[str], environment: int | None = None) -> Workers | None:
    """The workers a command starts, when it runs a forking server; ``environment`` is WEB_CONCURRENCY."""
    if isinstance(command, list):
        return _workers([str(word) for word in command], environment)
    for segment in SEPARATORS.split(command[:MAX_COMMAND]):
        found = _workers(_split(segment), environment)
        if found is not None:
            return found
    return None


def _split(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unclosed quote: the words as they stand
        return text.split()


def _workers(words: list[str], environment: int | None) -> Workers | None:
    for index, word in enumerate(words):
        if word in ("-c",) and index and words[index - 1].rsplit("/", 1)[-1] in ("sh", "bash", "dash"):
            inner = words[index + 1] if index + 1 < len(words) else ""
            return command_workers(inner, environment)  # sh -c "gunicorn -w 4 app:app"
        program = word.rsplit("/", 1)[-1]
        if program not in SERVERS:
            continue
        server = SERVERS[program]
        rest = words[index + 1 :]
        if server.subcommand is not None and server.subcommand not in rest:
            return None
        model = _flag(rest, server.model_flags) if server.model_flags else None
        if model is not None and model[1] in server.one_process:
            return Workers(1, program, f"{model[0]} {model[1]}")
        threaded = _flag(rest, server.thread_flags) if server.thread_flags else None
        threads = (_count(threaded[1]) or 1) if threaded else 1
        written = _flag(rest, server.flags)
        if written is not None:
            flag, value = written
            return Workers(_count(value), program, f"{flag} {value}", threads)
        if server.environment and environment is not None:
            return Workers(environment, program, "WEB_CONCURRENCY", threads)
        return Workers(server.default, program, "default", threads)
    return None


def _flag(words: list[str], flags: tuple[str, ...]) -> tuple[str, str] | None:
    """The value of the last of ``flags`` in ``words``: ``-w 4``, ``-w4``, ``--workers=4``."""
    found = None
    for index, word in enumerate(words):
        for flag in flags:
            if word == flag and index + 1 < len(words):
                found = (flag, words[index + 1])
            elif word.startswith(flag + "="):
                found = (flag, word[len(flag) + 1 :])
            elif not flag.startswith("--") and word.startswith(flag) and word[len(flag) :].isdigit():
                found = (flag, word[len(flag) :])
    return found


def _count(written: str) -> int | None:
    variable = VARIABLE.fullmatch(written)
    if variable is not None:
        written = variable.group(1) or ""
    return parse_count(written, 1, MAX_PROCESSES)


def environment_count(written: object) -> int | None:
    """``WEB_CONCURRENCY`` as a compose file, Dockerfile or .env writes it; None when not a count."""
    if isinstance(written, bool) or not isinstance(written, (int, str)):
        return None
    return _count(str(written).strip().strip("\"'"))


# Dockerfile

INSTRUCTION = re.compile(r"[ \t]*(FROM|CMD|ENTRYPOINT|ENV)[ \t]+(.*)", re.IGNORECASE)
ENV_PAIR = re.compile(r"WEB_CONCURRENCY(?:=|[ \t]+)[\"']?([^\s\"']*)")


@dataclass(frozen=True)
class DockerCommand:
    line: int
    workers: Workers


def dockerfile_workers(text: str) -> DockerCommand | None:
    """The workers the final stage's ``CMD`` (after its ``ENTRYPOINT``) starts, with its WEB_CONCURRENCY."""
    entrypoint: list[str] = []
    command: tuple[int, list[str]] | None = None
    environment = None
    for line, instruction in _instructions(text):
        found = INSTRUCTION.match(instruction)
        if found is None:
            continue
        keyword, argument = found.group(1).upper(), found.group(2).strip()
        if keyword == "FROM":  # a new stage: the image that runs is the last one's
            entrypoint, command, environment = [], None, None
        elif keyword == "ENV":
            pair = ENV_PAIR.search(argument)
            environment = environment_count(pair.group(1)) if pair else environment
        elif keyword == "ENTRYPOINT":
            entrypoint = _exec_form(argument)
            command = (line, entrypoint)
        else:
            command = (line, entrypoint + _exec_form(argument))
    if command is None:
        return None
    workers = command_workers(command[1], environment)
    return DockerCommand(command[0], workers) if workers is not None else None


def _instructions(text: str) -> Iterator[tuple[int, str]]:
    """Each instruction with its first line, continuation lines (a trailing backslash) joined."""
    first, parts = 0, list[str]()
    for number, line in enumerate(text.splitlines(), 1):
        if not parts:
            first = number
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            parts.append(stripped[:-1])
            continue
        parts.append(stripped)
        yield first, " ".join(parts)
        parts = []
    if parts:
        yield first, " ".join(parts)


def _exec_form(argument: str) -> list[str]:
    """``["gunicorn", "-w", "4"]`` as its words; the shell form split as the shell would."""
    argument = argument[:MAX_COMMAND]
    if argument.startswith("["):
        try:
            words = json.loads(argument)
        except ValueError:
            words = None
        if isinstance(words, list) and all(isinstance(word, str) for word in words):
            return words
    return _split(argument)


# Procfile

PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):[ \t]*(.+)$")


def procfile_workers(text: str) -> list[tuple[int, str, Workers]]:
    """Each process type's workers: (line, type, workers), for the types that run a forking server."""
    found = []
    for number, line in enumerate(text.splitlines()[:10_000], 1):
        entry = PROCFILE_LINE.match(line.strip())
        workers = command_workers(entry.group(2)) if entry else None
        if entry is not None and workers is not None:
            found.append((number, entry.group(1), workers))
    return found


# gunicorn.conf.py


def gunicorn_config_workers(text: str) -> tuple[int, int | None, int] | None:
    """``workers = 4`` in a gunicorn configuration file: (line, count, threads); None where unset.

    ``int(os.environ.get("WEB_CONCURRENCY", 4))`` counts its default; anything computed
    (``multiprocessing.cpu_count() * 2 + 1``) is one worker per CPU, or more: not counted.
    ``threads = N`` (1 unset or computed) is the threads of each worker.
    """
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found: dict[str, tuple[int, int | None]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name) and target.id in ("workers", "threads"):
                    found[target.id] = (statement.lineno, _literal_count(statement.value))
    if "workers" not in found:
        return None
    line, count = found["workers"]
    return line, count, found.get("threads", (0, 1))[1] or 1


def _literal_count(node: ast.expr) -> int | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, str))
        and not isinstance(node.value, bool)
    ):
        return parse_count(str(node.value), 1, MAX_PROCESSES)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "int" and node.args:
        return _literal_count(node.args[0])
    # os.environ.get("WEB_CONCURRENCY", 4), os.getenv(..., "4"): the default
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("get", "getenv")
        and len(node.args) == 2
    ):
        return _literal_count(node.args[1])
    return None
