"""Where a repository declares its PostgreSQL server's connection limit and its services' replicas.

Server limit (LIBRARIES.md, "Server side"): ``postgresql.conf``
(``max_connections = N``), docker-compose ``command: postgres -c
max_connections=N`` (string, list and folded forms, ``${VAR:-N}`` defaults),
``ALTER SYSTEM SET max_connections`` (not in comments or string literals), Bitnami Helm
``primary.extendedConfiguration``, and ``POSTGRESQL_MAX_CONNECTIONS`` (sclorg
and Bitnami images) in compose, Kubernetes or ``.env`` files.

Replicas: docker-compose ``deploy.replicas`` and Kubernetes Deployment /
StatefulSet ``spec.replicas``, with what ties them to code (a compose service's
build context, a workload's name and images).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from poolcheck.capacity.sql import sql_code
from poolcheck.model import ReplicaCount, ServerSetting

# Files worth reading at all; every other file is skipped without being opened.
TRIGGERS = (b"max_connections", b"MAX_CONNECTIONS", b"replicas", b"superuser_reserved_connections")

SETTING = r"(?<![\w.])({name})\s*(?:=|\s+TO\s+|\s)\s*'?(\$\{{\w+(?::?-)(\d+)\}}|\d+)'?"
CONF_LINE = re.compile(
    SETTING.format(name="max_connections|superuser_reserved_connections|reserved_connections")
)
COMMAND_FLAG = re.compile(
    r"-c\s*[\"']?(max_connections|superuser_reserved_connections|reserved_connections)=[\"']?(\$\{\w+(?::?-)(\d+)\}|\d+)"
)
# Matched in SqlCode.text, where each string literal is one ' (its value kept aside) and
# "max_connections" is a bare word: the value is a number or a literal holding one ('200', $$200$$).
ALTER_SYSTEM = re.compile(
    r"(?<![\w$])ALTER\s+SYSTEM\s+SET\s+(max_connections|superuser_reserved_connections|reserved_connections)"
    r"\s*(?:=|\bTO\b)\s*(?:([0-9]+)(?![\w.])|(?='))",
    re.IGNORECASE,
)
DECIMAL = re.compile(r"\s*([0-9]+)\s*")
ENV_KEYS = {"POSTGRESQL_MAX_CONNECTIONS": "max_connections", "POSTGRES_MAX_CONNECTIONS": "max_connections"}
ENV_LINE = re.compile(
    r"^\s*(?:export\s+)?(POSTGRESQL_MAX_CONNECTIONS|POSTGRES_MAX_CONNECTIONS)\s*=\s*[\"']?(\d+)", re.M
)
WORKLOADS = {"Deployment", "StatefulSet"}


@dataclass(frozen=True)
class Declarations:
    settings: tuple[ServerSetting, ...] = ()
    replicas: tuple[ReplicaCount, ...] = ()


def is_candidate(name: str, data: bytes) -> bool:
    suffix = PurePosixPath(name).suffix
    known = (
        suffix in (".yml", ".yaml", ".conf", ".sql", ".env")
        or name.startswith(".env")
        or name == "postgresql.conf"
    )
    return known and any(token in data for token in TRIGGERS)


def declarations(path: str, text: str) -> Declarations:
    """Every server setting and replica count declared in one file."""
    name = PurePosixPath(path).name
    if name.endswith(".conf"):
        return Declarations(tuple(_conf(path, text)))
    if name.endswith(".sql"):
        return Declarations(tuple(_alter_system(path, text)))
    if name.startswith(".env") or name.endswith(".env"):
        return Declarations(tuple(_env_file(path, text)))
    return _yaml(path, text)


def _conf(path: str, text: str) -> Iterator[ServerSetting]:
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0]
        found = CONF_LINE.search(code)
        if found:
            yield ServerSetting(found.group(1), _number(found), path, number, "postgresql.conf")


def _alter_system(path: str, text: str) -> Iterator[ServerSetting]:
    """``ALTER SYSTEM SET`` statements, not the ones inside a comment or a string literal."""
    code = sql_code(text)
    line, counted = 1, 0  # counted on from the previous match, so many statements stay linear
    for found in ALTER_SYSTEM.finditer(code.text):
        value = found.group(2)
        if value is None:  # quoted, as in '200' or $$200$$: the literal's value, when it is a number
            number = DECIMAL.fullmatch(code.literals.get(found.end(), ""))
            value = number.group(1) if number else None
        line += code.text.count("\n", counted, found.start())
        counted = found.start()
        if value is not None:
            yield ServerSetting(found.group(1).lower(), int(value), path, line, "ALTER SYSTEM")


def _env_file(path: str, text: str) -> Iterator[ServerSetting]:
    for found in ENV_LINE.finditer(text):
        line = text.count("\n", 0, found.start()) + 1
        yield ServerSetting(ENV_KEYS[found.group(1)], int(found.group(2)), path, line, "environment file")


def _number(found: re.Match[str]) -> int:
    """``200`` or the default of ``${PG_MAX_CONNECTIONS:-200}``."""
    return (
        int(found.group(3) or found.group(2))
        if found.lastindex and found.lastindex >= 3
        else int(found.group(2))
    )


def _yaml(path: str, text: str) -> Declarations:
    import yaml  # here: only a repository with compose or Kubernetes files pays for it

    try:
        documents = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    except yaml.YAMLError:
        return Declarations()
    settings: list[ServerSetting] = []
    replicas: list[ReplicaCount] = []
    for document in documents:
        services = document.get("services")
        if isinstance(services, dict):
            for service, spec in services.items():
                if isinstance(spec, dict):
                    settings += _compose_service(path, text, str(service), spec)
                    replicas += _compose_replicas(path, text, str(service), spec)
        elif document.get("kind") in WORKLOADS:
            replicas += _workload(path, text, document)
            settings += _environment(path, text, _containers_env(document), "Kubernetes env", "")
        elif document.get("kind") == "ConfigMap":
            settings += _environment(path, text, document.get("data"), "Kubernetes ConfigMap", "")
        settings += _helm(path, text, document)
    return Declarations(tuple(settings), tuple(replicas))


def _compose_service(path: str, text: str, service: str, spec: dict[str, Any]) -> list[ServerSetting]:
    found: list[ServerSetting] = []
    command = spec.get("command")
    if isinstance(command, list):
        command = " ".join(str(part) for part in command)
    if isinstance(command, str):
        for match in COMMAND_FLAG.finditer(command):
            value = int(match.group(3) or match.group(2))
            line = _line_of(text, match.group(0).split("=")[0].split()[-1].strip("\"'") + "=", service)
            found.append(ServerSetting(match.group(1), value, path, line, "docker-compose command", service))
    found += _environment(path, text, spec.get("environment"), "docker-compose environment", service)
    return found


def _environment(path: str, text: str, environment: Any, how: str, server: str) -> list[ServerSetting]:
    pairs: list[tuple[str, str]] = []
    if isinstance(environment, dict):
        pairs = [(str(k), str(v)) for k, v in environment.items()]
    elif isinstance(environment, list):
        pairs = [tuple(str(item).split("=", 1)) for item in environment if "=" in str(item)]  # type: ignore[misc]
    found = []
    for key, value in pairs:
        number = re.fullmatch(r"\s*(?:\$\{\w+:?-(\d+)\}|(\d+))\s*", value)
        if key in ENV_KEYS and number:
            amount = int(number.group(1) or number.group(2))
            found.append(ServerSetting(ENV_KEYS[key], amount, path, _line_of(text, key, server), how, server))
    return found


def _helm(path: str, text: str, values: dict[str, Any]) -> list[ServerSetting]:
    """Bitnami chart values: ``primary.extendedConfiguration`` (also under a ``postgresql:`` key)."""
    found = []
    for scope in (values, values.get("postgresql")):
        primary = scope.get("primary") if isinstance(scope, dict) else None
        extended = primary.get("extendedConfiguration") if isinstance(primary, dict) else None
        if isinstance(extended, str):
            for match in CONF_LINE.finditer(extended):
                line = _line_of(text, match.group(0).split("=")[0].strip())
                found.append(
                    ServerSetting(match.group(1), _number(match), path, line, "Helm extendedConfiguration")
                )
    return found


def _compose_replicas(path: str, text: str, service: str, spec: dict[str, Any]) -> list[ReplicaCount]:
    deploy = spec.get("deploy")
    count = deploy.get("replicas") if isinstance(deploy, dict) else None
    if not isinstance(count, int):
        return []
    build = spec.get("build")
    context = build.get("context") if isinstance(build, dict) else build
    image = spec.get("image")
    return [
        ReplicaCount(
            count,
            path,
            _line_of(text, "replicas", service),
            "docker-compose deploy.replicas",
            service,
            build=str(context) if isinstance(context, str) else None,
            images=(str(image),) if image else (),
        )
    ]


def _workload(path: str, text: str, document: dict[str, Any]) -> list[ReplicaCount]:
    spec = document.get("spec")
    count = spec.get("replicas", 1) if isinstance(spec, dict) else 1
    metadata = document.get("metadata")
    name = str(metadata.get("name", "")) if isinstance(metadata, dict) else ""
    if not isinstance(count, int) or not name:
        return []
    images = tuple(str(c.get("image", "")) for c in _containers(document) if c.get("image"))
    how = f"Kubernetes {document.get('kind')}"
    return [ReplicaCount(count, path, _line_of(text, "replicas", name), how, name, images=images)]


def _containers(document: dict[str, Any]) -> list[dict[str, Any]]:
    template = (document.get("spec") or {}).get("template") or {}
    containers = (template.get("spec") or {}).get("containers") or []
    return [c for c in containers if isinstance(c, dict)]


def _containers_env(document: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = {}
    for container in _containers(document):
        for item in container.get("env") or []:
            if isinstance(item, dict) and "name" in item and "value" in item:
                env[str(item["name"])] = str(item["value"])
    return env


def _line_of(text: str, needle: str, after: str = "") -> int:
    """1-based line of ``needle``, looking after ``after`` (a YAML key or name) when given."""
    start = 0
    if after:
        anchor = re.search(rf"(?m)^\s*(?:-\s*)?(?:name:\s*)?[\"']?{re.escape(after)}[\"']?\s*:?\s*$", text)
        start = anchor.start() if anchor else max(text.find(after), 0)
    index = text.find(needle, start)
    if index < 0:
        index = text.find(needle)
    return text.count("\n", 0, max(index, 0)) + 1
