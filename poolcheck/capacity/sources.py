"""Where a repository declares its PostgreSQL server's connection limit and its services' replicas.

Server limit (LIBRARIES.md, "Server side"): ``postgresql.conf``
(``max_connections = N``), docker-compose ``command: postgres -c
max_connections=N`` (string, list and folded forms, ``${VAR:-N}`` defaults),
``ALTER SYSTEM SET max_connections`` (not in comments or string literals), Bitnami Helm
``primary.extendedConfiguration``, and ``POSTGRESQL_MAX_CONNECTIONS`` (sclorg
and Bitnami images) in compose, Kubernetes or ``.env`` files.

Replicas: docker-compose ``deploy.replicas`` and Kubernetes Deployment /
StatefulSet ``spec.replicas``, with what ties them to code (a compose service's
build context, a workload's name and images); the most an autoscaler may run
(HorizontalPodAutoscaler ``maxReplicas``, KEDA ``maxReplicaCount``) and a
Deployment's rolling-update surge (``maxSurge``, Kubernetes' default 25%).

Processes per replica (processes.py): the workers of the commands that compose
services, Kubernetes containers, Dockerfiles, Procfiles and gunicorn's
configuration file start.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from poolcheck.capacity.bouncers import from_environment, is_bouncer_image, read_ini
from poolcheck.capacity.budget import surge_of
from poolcheck.capacity.documents import BadDocument, YamlMapping, YamlSequence, yaml_documents
from poolcheck.capacity.processes import (
    SERVERS,
    Workers,
    command_workers,
    dockerfile_workers,
    environment_count,
    gunicorn_config_workers,
    procfile_workers,
)
from poolcheck.capacity.read import DOCKERFILES, GUNICORN_CONFIGS
from poolcheck.capacity.sql import sql_code
from poolcheck.model import (
    Autoscaler,
    Bouncer,
    DatabaseUrl,
    Declarations,
    DeclaredValue,
    EnvironmentReference,
    FileError,
    ProcessCount,
    ReplicaCount,
    ServerSetting,
)
from poolcheck.numbers import parse_count
from poolcheck.project import environment as declared_env

# Files worth reading at all; every other file is skipped without being opened.
TRIGGERS = (
    b"max_connections",
    b"MAX_CONNECTIONS",
    b"replicas",  # also maxReplicas
    b"ReplicaCount",  # KEDA's maxReplicaCount
    b"superuser_reserved_connections",
    *(name.encode() for name in SERVERS),
    b"WEB_CONCURRENCY",
    b"workers",  # gunicorn.conf.py
    b"pgbouncer",  # pgbouncer.ini's section, the images' names
    b"PGBOUNCER",
)
NAMES = (*DOCKERFILES, "Procfile", *GUNICORN_CONFIGS)  # files that start processes
MAX_GUNICORN_CONFIG = 100_000  # characters; gunicorn's configuration files are a few dozen lines

# What PostgreSQL itself accepts (guc_tables.c: MAX_BACKENDS is 262143), and a sane replica count.
MAX_BACKENDS = 262_143
BOUNDS = {
    "max_connections": (1, MAX_BACKENDS),
    "superuser_reserved_connections": (0, MAX_BACKENDS),
    "reserved_connections": (0, MAX_BACKENDS),
}
MAX_REPLICAS = 100_000

# One postgresql.conf line: name, an optional '=', a value (quoted or one word), an optional comment.
# Anchored, with no two adjacent repeats over the same characters, so a line costs its length.
CONF_SETTING = re.compile(r"[ \t]*([A-Za-z_][\w.]*)[ \t]*(?:=[ \t]*)?('(?:[^'\\]|''|\\.)*'|[^\s#']*)")
COMMAND_FLAG = re.compile(
    r"-c\s?[\"']?(max_connections|superuser_reserved_connections|reserved_connections)=[\"']?([^\s\"']*)"
)
# Compose interpolation: ${VAR:-N} or ${VAR-N} (the default), ${VAR} (set at run time).
INTERPOLATED = re.compile(r"\$\{\w+(?:(?::?-)([^}]*))?\}")
# Matched in SqlCode.text, where each string literal is one ' (its value kept aside) and
# "max_connections" is a bare word: the value is a number or a literal holding one ('200', $$200$$).
ALTER_SYSTEM = re.compile(
    r"(?<![\w$])ALTER\s+SYSTEM\s+SET\s+(max_connections|superuser_reserved_connections|reserved_connections)"
    r"\s*(?:=|\bTO\b)\s*(?:([0-9][\w.]*)|(?='))",
    re.IGNORECASE,
)
ENV_KEYS = {"POSTGRESQL_MAX_CONNECTIONS": "max_connections", "POSTGRES_MAX_CONNECTIONS": "max_connections"}
ENV_LINE = re.compile(
    r"[ \t]*(?:export[ \t]+)?(POSTGRESQL_MAX_CONNECTIONS|POSTGRES_MAX_CONNECTIONS)"
    r"[ \t]*=[ \t]*[\"']?([^\s\"'#]*)"
)
WORKLOADS = {"Deployment", "StatefulSet"}
# Kind -> the key holding the most replicas it may run, and KEDA's default when unwritten.
AUTOSCALERS = {"HorizontalPodAutoscaler": ("maxReplicas", None), "ScaledObject": ("maxReplicaCount", 100)}
DEFAULT_SURGE = "25%"  # a Deployment's rolling update, when its strategy does not say


def is_candidate(name: str, data: bytes, wanted: frozenset[str] = frozenset()) -> bool:
    """Is the file one of the kinds read, holding a word they declare something with (or a variable
    a pool reads, or a ConfigMap that may give one)?"""
    suffix = PurePosixPath(name).suffix
    known = (
        suffix in (".yml", ".yaml", ".conf", ".sql", ".env")
        or name.startswith(".env")
        or name == "postgresql.conf"
        or name.endswith(NAMES)
        or name.endswith("pgbouncer.ini")
    )
    if not known:
        return False
    if any(token in data for token in TRIGGERS):
        return True
    if not wanted:
        return False
    return (
        b"ConfigMap" in data
        or declared_env.is_helm_values(name)
        or any(variable.encode() in data for variable in wanted)
    )


def declarations(
    path: str, text: str, wanted: frozenset[str] = frozenset(), as_env_file: bool = False
) -> Declarations:
    """Every server setting and replica count declared in one file, and what in it could not be read;
    with ``wanted``, the values it gives those environment variables (``as_env_file``: a file a
    compose service names in ``env_file:``, whatever its name)."""
    name = PurePosixPath(path).name
    reader = _Reader(path, text, wanted)
    if name.endswith("pgbouncer.ini"):
        reader.bouncer_ini()
    elif name.endswith(DOCKERFILES):
        reader.dockerfile()
    elif name.endswith("Procfile"):
        reader.procfile()
    elif name.endswith(GUNICORN_CONFIGS):
        reader.gunicorn_config()
    elif name.endswith(".conf"):
        reader.conf(text, 1, "postgresql.conf")
    elif name.endswith(".sql"):
        reader.alter_system()
    elif name.startswith(".env") or name.endswith(".env") or as_env_file:
        reader.env_file()
    elif declared_env.is_helm_template(path, text):
        if wanted:
            reader.references += declared_env.helm_template_references(path, text, wanted)
        if any(token.decode() in text for token in TRIGGERS):  # read as YAML as before, for replicas
            reader.yaml()
    else:
        reader.yaml()
    # A file read only for the variables pools read (a CI workflow, a Jinja template that names one)
    # may be anything: what it holds that is not YAML is not an error of the run.
    searched = bool(wanted) and not any(token.decode() in text for token in TRIGGERS)
    return Declarations(
        tuple(reader.settings),
        tuple(reader.replicas),
        () if searched else tuple(reader.errors),
        autoscalers=tuple(reader.autoscalers),
        processes=tuple(reader.processes),
        bouncers=tuple(reader.bouncers),
        urls=tuple(reader.urls),
        environment=tuple(reader.environment),
        references=tuple(reader.references),
    )


@dataclass
class _Reader:
    """One file's declarations, gathered with the problems met on the way."""

    path: str
    text: str
    wanted: frozenset[str] = frozenset()  # the environment variables pools read
    settings: list[ServerSetting] = field(default_factory=list)
    replicas: list[ReplicaCount] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    autoscalers: list[Autoscaler] = field(default_factory=list)
    processes: list[ProcessCount] = field(default_factory=list)
    bouncers: list[Bouncer] = field(default_factory=list)
    urls: list[DatabaseUrl] = field(default_factory=list)
    environment: list[DeclaredValue] = field(default_factory=list)
    references: list[EnvironmentReference] = field(default_factory=list)
    line_starts: list[int] | None = None

    def lines_below(self, line: int, word: str) -> int:
        """How many lines below ``line`` the next ``word`` is written (a flag in a multi-line command)."""
        if self.line_starts is None:  # indexed once per file, so many services cost one pass
            self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        begin = self.line_starts[line - 1] if line - 1 < len(self.line_starts) else len(self.text)
        index = self.text.find(word, begin)
        return max(bisect_right(self.line_starts, index) - line, 0) if index >= 0 else 0

    def problem(self, line: int, message: str) -> None:
        self.errors.append(FileError(self.path, f"line {line}: {message}", "parse"))

    def setting(self, name: str, written: str, line: int, how: str, server: str = "") -> None:
        """A server setting from its written value, when it is a count PostgreSQL accepts."""
        low, high = BOUNDS[name]
        value = parse_count(written, low, high)
        if value is None:
            self.problem(line, f"{name} {_shown(written)} is not a count from {low} to {high:,}; not counted")
            return
        self.settings.append(ServerSetting(name, value, self.path, line, how, server))

    def setting_interpolated(self, name: str, written: str, line: int, how: str, server: str = "") -> None:
        """A compose or environment value: ``${VAR:-N}`` is its default N, ``${VAR}`` unknown (no error)."""
        found = INTERPOLATED.fullmatch(written.strip())
        if found is not None:
            if found.group(1) is None:
                return  # set at run time
            written = found.group(1)
        self.setting(name, written, line, how, server)

    # postgresql.conf, ALTER SYSTEM, .env

    def conf(self, text: str, first_line: int, how: str) -> None:
        for number, line in enumerate(text.splitlines(), start=first_line):
            found = CONF_SETTING.match(line)
            name = found.group(1).lower() if found else ""  # PostgreSQL's names ignore case
            if found is None or name not in BOUNDS:
                continue
            value = found.group(2)
            if value.startswith("'"):
                value = value[1:-1]
            self.setting(name, value, number, how)

    def alter_system(self) -> None:
        """``ALTER SYSTEM SET`` statements, not the ones inside a comment or a string literal."""
        code = sql_code(self.text)
        line, counted = 1, 0  # counted on from the previous match, so many statements stay linear
        for found in ALTER_SYSTEM.finditer(code.text):
            line += code.text.count("\n", counted, found.start())
            counted = found.start()
            value = found.group(2)
            if value is None:  # quoted, as in '200' or $$200$$: the literal's value
                value = code.literals.get(found.end(), "")
            self.setting(found.group(1).lower(), value, line, "ALTER SYSTEM")

    def env_file(self) -> None:
        for number, line in enumerate(self.text.splitlines(), start=1):
            found = ENV_LINE.match(line)
            if found is not None:
                self.setting(ENV_KEYS[found.group(1)], found.group(2), number, "environment file")
        if self.wanted:
            self.environment += declared_env.env_file_values(self.path, self.text, self.wanted)

    # Dockerfile, Procfile, gunicorn.conf.py: a folder's processes

    def dockerfile(self) -> None:
        found = dockerfile_workers(self.text)
        if found is not None:
            self.workers(found.workers, found.line, "Dockerfile CMD")

    def procfile(self) -> None:
        for line, kind, workers in procfile_workers(self.text):
            self.workers(workers, line, f"Procfile {kind}")

    def gunicorn_config(self) -> None:
        if len(self.text) > MAX_GUNICORN_CONFIG:  # parsed here, not in a bounded worker: keep it small
            self.problem(
                1, f"larger than {MAX_GUNICORN_CONFIG:,} characters; not read as gunicorn's configuration"
            )
            return
        found = gunicorn_config_workers(self.text)
        if found is not None:
            line, count, threads = found
            how = "gunicorn.conf.py workers"
            self.processes.append(ProcessCount(count, self.path, line, how, precedence=1, threads=threads))

    def workers(
        self,
        workers: Workers,
        line: int,
        where: str,
        service: str = "",
        build: str | None = None,
        images: tuple[str, ...] = (),
    ) -> None:
        precedence, how = 2, f"{workers.program} {workers.written.split()[0]} in {where}"
        if workers.written == "WEB_CONCURRENCY":
            precedence, how = 0, f"WEB_CONCURRENCY for {workers.program} in {where}"
        elif workers.written == "default":
            precedence, how = 0, f"{workers.program}'s default in {where}"
        self.processes.append(
            ProcessCount(
                workers.count, self.path, line, how, service, build, images, precedence, workers.threads
            )
        )

    # YAML: compose, Kubernetes, Helm values

    def yaml(self) -> None:
        for document in yaml_documents(self.text):
            if isinstance(document, BadDocument):
                self.problem(document.line, f"YAML document not read: {document.message}")
            elif isinstance(document.value, YamlMapping):
                self.yaml_document(document.value)

    def yaml_document(self, document: YamlMapping) -> None:
        services = document.get("services")
        kind = document.get("kind")
        if "services" in document and services is not None:
            if not isinstance(services, YamlMapping):
                self.problem(document.line_of("services"), "compose services is not a mapping; not read")
                return
            for service, spec in services.items():
                if isinstance(spec, YamlMapping):
                    self.compose_service(str(service), spec)
                elif spec is not None:
                    self.problem(services.line_of(service), f"compose service {service} is not a mapping")
        elif "apiVersion" in document and kind is not None and not isinstance(kind, str):
            self.problem(document.line_of("kind"), "Kubernetes kind is not a name; document not read")
        elif isinstance(kind, str) and kind in WORKLOADS:
            self.workload(document)
        elif isinstance(kind, str) and kind in AUTOSCALERS:
            self.autoscaler(document, kind)
        elif kind == "ConfigMap":
            data = document.get("data")
            if isinstance(data, YamlMapping):
                self.server_environment(data, "Kubernetes ConfigMap", "")
            if self.wanted:
                self.environment += declared_env.config_map_values(self.path, document)
        if self.wanted and "apiVersion" not in document and declared_env.is_helm_values(self.path):
            self.environment += declared_env.helm_values(self.path, document)
        self.helm(document)

    def compose_service(self, service: str, spec: YamlMapping) -> None:
        command = spec.get("command")
        if isinstance(command, YamlSequence):
            for index, part in enumerate(command):
                # "-c", "max_connections=150" as two items: read them joined, on the item's line
                joined = f"-c {part}" if index and str(command[index - 1]) == "-c" else str(part)
                self.command_flags(joined, command.line_of(index), service, None)
        elif isinstance(command, str):
            self.command_flags(command, spec.line_of("command"), service, command)
        environment = spec.get("environment")
        if isinstance(environment, (YamlMapping, YamlSequence)):
            self.server_environment(environment, "docker-compose environment", service)
        elif environment is not None:
            self.problem(
                spec.line_of("environment"), f"environment of {service} is neither a mapping nor a list"
            )
        self.compose_replicas(service, spec)
        self.compose_processes(service, spec)
        if isinstance(environment, (YamlMapping, YamlSequence)):
            self.compose_bouncer_and_urls(service, spec, environment)
        if self.wanted:
            self.compose_environment(service, spec, environment)

    def compose_environment(self, service: str, spec: YamlMapping, environment: Any) -> None:
        """The values a service's ``environment:`` gives the variables pools read, and its ``env_file:``."""
        build, images = _compose_build(spec)
        if isinstance(environment, (YamlMapping, YamlSequence)):
            pairs = _pairs(environment)
            found = declared_env.compose_values(self.path, service, pairs, build, images, self.wanted)
            self.environment += found
        line = spec.line_of("env_file")
        self.references += declared_env.compose_env_files(self.path, service, spec, line, build, images)

    def compose_bouncer_and_urls(
        self, service: str, spec: YamlMapping, environment: YamlMapping | YamlSequence
    ) -> None:
        """A PgBouncer image's settings, and the database URLs a service is given (which host it reaches)."""
        pairs = _pairs(environment)
        if is_bouncer_image(spec.get("image")):
            values = {key: value for key, value, _ in pairs}
            how = f"{spec.get('image')} environment in docker-compose"
            self.bouncers.append(from_environment(self.path, spec.line_of("image"), how, service, values))
            return
        build, images = _compose_build(spec)
        for _, value, line in pairs:
            if isinstance(value, str) and ("://" in value or "host=" in value):
                self.urls.append(DatabaseUrl(value, self.path, line, service, build, images))

    def bouncer_ini(self) -> None:
        bouncer, problems = read_ini(self.path, self.text)
        for line, message in problems:
            self.problem(line, message)
        if bouncer is not None:
            self.bouncers.append(bouncer)

    def compose_processes(self, service: str, spec: YamlMapping) -> None:
        """The workers of the service's command, or of the image's, told WEB_CONCURRENCY."""
        command = spec.get("command")
        environment = _environment_value(spec.get("environment"), "WEB_CONCURRENCY")
        count = environment_count(environment[0]) if environment else None
        build, images = _compose_build(spec)
        written = list(command) if isinstance(command, YamlSequence) else command
        workers = command_workers(written, count) if isinstance(written, (str, list)) else None
        if workers is not None:
            where = "docker-compose command"
            self.workers(workers, spec.line_of("command"), where, service, build, images)
        elif environment is not None and count is not None:
            how = "WEB_CONCURRENCY in docker-compose environment"
            line = environment[1]
            self.processes.append(ProcessCount(count, self.path, line, how, service, build, images, 0))

    def command_flags(self, command: str, line: int, service: str, block: str | None) -> None:
        for match in COMMAND_FLAG.finditer(command):
            # A flag on a later line of a multi-line command string: the key's line plus its offset.
            shown = line + self.lines_below(line, match.group(1)) if block and "\n" in block else line
            self.setting_interpolated(
                match.group(1), match.group(2), shown, "docker-compose command", service
            )

    def server_environment(self, environment: YamlMapping | YamlSequence, how: str, server: str) -> None:
        for key, value, line in _pairs(environment):
            if key in ENV_KEYS and value is not None:
                self.setting_interpolated(ENV_KEYS[key], str(value), line, how, server)

    def helm(self, values: YamlMapping) -> None:
        """Bitnami chart values: ``primary.extendedConfiguration`` (also under a ``postgresql:`` key)."""
        for scope in (values, values.get("postgresql")):
            primary = scope.get("primary") if isinstance(scope, YamlMapping) else None
            if not isinstance(primary, YamlMapping):
                continue
            extended = primary.get("extendedConfiguration")
            if isinstance(extended, str):
                line = primary.line_of("extendedConfiguration")
                self.conf(extended, line + 1 if "\n" in extended else line, "Helm extendedConfiguration")

    def compose_replicas(self, service: str, spec: YamlMapping) -> None:
        deploy = spec.get("deploy")
        if not isinstance(deploy, YamlMapping) or deploy.get("replicas") is None:
            return
        count = self.replica_count(deploy.get("replicas"), deploy.line_of("replicas"), service)
        if count is None:
            return
        build, images = _compose_build(spec)
        line = deploy.line_of("replicas")
        self.replicas.append(
            ReplicaCount(count, self.path, line, "docker-compose deploy.replicas", service, build, images)
        )

    def replica_count(self, written: Any, line: int, service: str) -> int | None:
        """A replica count from 0 to ``MAX_REPLICAS``; ``${N:-2}`` its default; ``${N}`` unknown."""
        if isinstance(written, str):
            found = INTERPOLATED.fullmatch(written.strip())
            if found is not None and found.group(1) is None:
                return None
            written = found.group(1) if found is not None else written
        text = str(written) if isinstance(written, (int, str)) and not isinstance(written, bool) else ""
        count = parse_count(text, 0, MAX_REPLICAS)
        if count is None:
            self.problem(
                line, f"replicas of {service} {_shown(text)} is not a count from 0 to {MAX_REPLICAS:,}"
            )
        return count

    def workload(self, document: YamlMapping) -> None:
        spec = document.get("spec")
        metadata = document.get("metadata")
        for key, part in (("metadata", metadata), ("spec", spec)):
            if not isinstance(part, YamlMapping):
                self.problem(
                    document.line_of(key), f"Kubernetes {document.get('kind')} {key} is not a mapping"
                )
                return
        assert isinstance(spec, YamlMapping) and isinstance(metadata, YamlMapping)
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            return
        count = 1
        if spec.get("replicas") is not None:
            found = self.replica_count(spec.get("replicas"), spec.line_of("replicas"), name)
            if found is None:
                return
            count = found
        containers = self.containers(spec)
        images = tuple(str(c.get("image")) for c in containers if isinstance(c.get("image"), str))
        how = f"Kubernetes {document.get('kind')}"
        surge = self.surge(spec) if document.get("kind") == "Deployment" else None
        self.replicas.append(
            ReplicaCount(count, self.path, spec.line_of("replicas"), how, name, images=images, surge=surge)
        )
        for container in containers:
            if self.wanted:
                self.container_environment(container, name, images)
            self.container_processes(container, name, images)
            if is_bouncer_image(container.get("image")):
                self.container_bouncer(container, name)
            env = container.get("env")
            if not isinstance(env, YamlSequence):
                if env is not None:
                    self.problem(container.line_of("env"), f"env of a container of {name} is not a list")
                continue
            for index, item in enumerate(env):
                if isinstance(item, YamlMapping) and str(item.get("name")) in ENV_KEYS and "value" in item:
                    key = str(item["name"])
                    self.setting_interpolated(
                        ENV_KEYS[key], str(item["value"]), item.line_of("value"), "Kubernetes env"
                    )
                elif not isinstance(item, YamlMapping):
                    self.problem(env.line_of(index), f"an env entry of {name} is not a mapping")

    def container_environment(self, container: YamlMapping, name: str, images: tuple[str, ...]) -> None:
        """The values a container's ``env`` gives the variables pools read, and its ``envFrom`` ConfigMaps."""
        values, references = declared_env.container_values(
            self.path, name, container.get("env"), images, self.wanted
        )
        self.environment += values
        self.references += references
        self.references += declared_env.container_env_from(self.path, name, container.get("envFrom"), images)

    def surge(self, spec: YamlMapping) -> str | None:
        """A Deployment's ``maxSurge``: written, or Kubernetes' 25%; None for a ``Recreate`` strategy."""
        strategy = spec.get("strategy")
        if not isinstance(strategy, YamlMapping):
            return DEFAULT_SURGE
        if strategy.get("type") == "Recreate":
            return None
        rolling = strategy.get("rollingUpdate")
        written = rolling.get("maxSurge") if isinstance(rolling, YamlMapping) else None
        if written is None:
            return DEFAULT_SURGE
        if surge_of(str(written), 1) is None:
            self.problem(
                strategy.line_of("rollingUpdate"),
                f"maxSurge {_shown(str(written))} is not a count or a percentage",
            )
            return DEFAULT_SURGE
        return str(written)

    def container_processes(self, container: YamlMapping, name: str, images: tuple[str, ...]) -> None:
        """The workers of a container's command and args (the kubelet runs the args after the command)."""
        words: list[str] = []
        for key in ("command", "args"):
            part = container.get(key)
            if isinstance(part, YamlSequence):
                words += [str(word) for word in part]
        env = container.get("env")
        count = None
        if isinstance(env, YamlSequence):
            for item in env:
                if isinstance(item, YamlMapping) and item.get("name") == "WEB_CONCURRENCY":
                    count = environment_count(item.get("value"))
        workers = command_workers(words, count) if words else None
        if workers is not None:
            line = container.line_of("command" if "command" in container else "args")
            self.workers(workers, line, "Kubernetes container command", name, None, images)

    def container_bouncer(self, container: YamlMapping, name: str) -> None:
        """A PgBouncer image in a workload: its settings from the container's env; reached by the name."""
        env = container.get("env")
        values = {}
        if isinstance(env, YamlSequence):
            for item in env:
                if isinstance(item, YamlMapping) and "value" in item:
                    values[str(item.get("name"))] = item.get("value")
        how = f"{container.get('image')} environment in Kubernetes"
        self.bouncers.append(from_environment(self.path, container.line_of("image"), how, name, values))

    def autoscaler(self, document: YamlMapping, kind: str) -> None:
        """An HPA's ``maxReplicas`` or a KEDA ScaledObject's ``maxReplicaCount`` (100 unwritten)."""
        spec = document.get("spec")
        if not isinstance(spec, YamlMapping):
            self.problem(document.line_of("spec"), f"Kubernetes {kind} spec is not a mapping")
            return
        target = spec.get("scaleTargetRef")
        name = target.get("name") if isinstance(target, YamlMapping) else None
        if not isinstance(name, str) or not name:
            return
        key, default = AUTOSCALERS[kind]
        if spec.get(key) is None and default is None:
            return
        written = spec.get(key, default)
        count = self.replica_count(written, spec.line_of(key) if key in spec else spec.line, name)
        if count is not None:
            how = f"{'KEDA' if kind == 'ScaledObject' else 'Kubernetes'} {kind} {key}"
            if key not in spec:
                how += f" (default {default})"
            line = spec.line_of(key) if key in spec else spec.line
            self.autoscalers.append(Autoscaler(name, count, self.path, line, how))

    def containers(self, spec: YamlMapping) -> list[YamlMapping]:
        template = spec.get("template")
        pod = template.get("spec") if isinstance(template, YamlMapping) else None
        containers = pod.get("containers") if isinstance(pod, YamlMapping) else None
        if containers is None:
            return []
        if not isinstance(containers, YamlSequence):
            self.problem(
                pod.line_of("containers") if isinstance(pod, YamlMapping) else spec.line,
                "containers is not a list",
            )
            return []
        found = []
        for index, container in enumerate(containers):
            if isinstance(container, YamlMapping):
                found.append(container)
            else:
                self.problem(containers.line_of(index), "a container is not a mapping")
        return found


def _compose_build(spec: YamlMapping) -> tuple[str | None, tuple[str, ...]]:
    """What ties a compose service to code: its build context, and its image."""
    build = spec.get("build")
    context = build.get("context") if isinstance(build, YamlMapping) else build
    image = spec.get("image")
    return (str(context) if isinstance(context, str) else None), (
        (str(image),) if isinstance(image, str) and image else ()
    )


def _pairs(environment: YamlMapping | YamlSequence) -> list[tuple[str, Any, int]]:
    """(name, value, line) of a compose environment, in the mapping or the ``NAME=value`` list form."""
    if isinstance(environment, YamlMapping):
        return [(str(k), v, environment.line_of(k)) for k, v in environment.items()]
    return [
        (*str(item).split("=", 1), environment.line_of(index))  # type: ignore[misc]
        for index, item in enumerate(environment)
        if isinstance(item, str) and "=" in item
    ]


def _environment_value(environment: Any, key: str) -> tuple[Any, int] | None:
    """A compose environment's value for ``key`` and its line, from the mapping or the list form."""
    if isinstance(environment, YamlMapping) and key in environment:
        return environment.get(key), environment.line_of(key)
    if isinstance(environment, YamlSequence):
        for index, item in enumerate(environment):
            if isinstance(item, str) and item.startswith(key + "="):
                return item.split("=", 1)[1], environment.line_of(index)
    return None


def _shown(written: str) -> str:
    """A written value for a message: quoted, and cut short when it is long."""
    return repr(written if len(written) <= 20 else written[:20] + "...")
