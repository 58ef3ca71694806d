"""Environment values the repository declares, and the value a pool's setting takes from them.

Read: ``.env`` files (``.env.production``, ``.env.example``, ...), docker-compose services'
``environment:`` and ``env_file:``, Kubernetes containers' ``env`` (``value`` and
``valueFrom.configMapKeyRef``), ``envFrom`` ConfigMaps, and the ConfigMaps themselves. The
readers here get the documents capacity/sources.py has already parsed: each file is read and
parsed once per run, and only when a pool reads an environment variable.

Used: a setting read from a variable (``int(os.getenv("DB_POOL_SIZE", "10"))``,
``env::var("MAX").unwrap_or(20)``) takes the value of the deployment files over the code's
default: the compose service or Kubernetes workload that runs the pool's code first, then any
other deployment file, then a developer's ``.env``. Every value found stays on the setting, so
the card can show where the environments disagree.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

from poolcheck.libraries.urls import database_of_url
from poolcheck.model import DeclaredValue, EnvironmentReference, EnvKind, PoolSite, Setting, Value
from poolcheck.numbers import bounded, parse_number

# NAME=value, NAME = "value", export NAME='value' # comment (python-dotenv's and compose's forms).
ENV_LINE = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.]*)[ \t]*=[ \t]*(.*)")
# Compose interpolation of a whole value: ${VAR}, ${VAR:-default}, ${VAR-default}, $VAR.
INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?-)([^}]*))?\}|\$(\w+)")
# Words of an env file's name that say which environment it describes; others are a developer's.
KIND_WORDS: tuple[tuple[EnvKind, frozenset[str]], ...] = (
    ("example", frozenset({"example", "sample", "template", "dist", "tpl", "defaults"})),
    ("test", frozenset({"test", "tests", "testing", "ci"})),
    ("deployment", frozenset({"prod", "production", "staging", "stage", "live", "deploy"})),
    ("development", frozenset({"dev", "development", "local", "override"})),
)
# The order values are used in: the pool's own service, another deployment file, a developer's;
# within each, a value written for the service beats one it takes from a file or a ConfigMap, as
# compose's environment: beats its env_file:, and a container's env its envFrom.
TIED, DEPLOYED, DEVELOPMENT = 0, 2, 4
TAKEN = ("docker-compose env_file", "Kubernetes ConfigMap")
# A Helm template's plain mapping of a variable to a value: ``- name: VAR`` then ``value: {{ .Values.a.b }}``,
# or ``VAR: {{ .Values.a.b | quote }}`` (a ConfigMap's data); pipes that only change how it is written.
HELM_VALUE = (
    r"[\"']?\{\{-?\s*\.Values\.([\w.]+)\s*(?:\|\s*(?:quote|toString|int|int64)\s*)*-?\}\}[\"']?[ \t]*$"
)
HELM_ENV_ITEM = re.compile(
    r"^[ \t]*-[ \t]*name:[ \t]*[\"']?(\w+)[\"']?[ \t]*\n[ \t]*value:[ \t]*" + HELM_VALUE, re.M
)
HELM_KEY = re.compile(r"^[ \t]*(\w+):[ \t]*" + HELM_VALUE, re.M)
HELM = "Helm values"
COMMENT = re.compile(r"(?<=[ \t])#")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def variables_read(sites: Iterable[PoolSite]) -> frozenset[str]:
    """The environment variables the pools' knobs and URLs read: what the declared environment is read for."""
    found: set[str] = set()
    for site in sites:
        found.update(
            read.env
            for _, setting in site.knobs
            for read in (setting, *(part for _, part in setting.parts))  # a Duration's secs and nanos
            if read.env and read.source in ("env-default", "dynamic")
        )
        if site.database_env:
            found.add(site.database_env)
    return frozenset(found)


def env_file_kind(name: str, unnamed: EnvKind = "development") -> EnvKind:
    """``.env`` and ``.env.local`` a developer's, ``.env.production`` deployed, ``.env.example`` neither;
    a deployment file (``docker-compose.yml``, ``values.yaml``) is ``unnamed`` "deployment" unless
    its name says otherwise (``docker-compose.override.yml``, ``values-dev.yaml``). Only the name is
    read: a folder's words (``tests/``, ``local/``) say too little."""
    words = set(re.split(r"[.\-_]", name.lower())) - {"", "env"}
    for kind, names in KIND_WORDS:
        if words & names:
            return kind
    return unnamed


def is_env_file(name: str) -> bool:
    return name.startswith(".env") or name.endswith(".env")


def env_file_values(path: str, text: str, wanted: frozenset[str]) -> list[DeclaredValue]:
    """The ``NAME=value`` lines of an env file that give a wanted variable its value."""
    kind = env_file_kind(PurePosixPath(path).name)
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = ENV_LINE.match(line)
        if match is not None and match.group(1) in wanted:
            value = _unquoted(match.group(2))
            found.append(DeclaredValue(match.group(1), value, path, number, "env file", kind))
    return found


def _unquoted(written: str) -> str:
    """A dotenv value: inside its quotes, or up to a `` #`` comment."""
    text = written.strip()
    if text[:1] in ("'", '"'):
        end = text.find(text[0], 1)
        return text[1:end] if end > 0 else text[1:]
    comment = COMMENT.search(text)  # one character looked behind: linear in a line of blanks
    return (text[: comment.start()] if comment else text).strip()


def compose_values(
    path: str,
    service: str,
    pairs: Iterable[tuple[str, Any, int]],
    build: str | None,
    images: tuple[str, ...],
    wanted: frozenset[str],
) -> list[DeclaredValue]:
    """A compose service's ``environment:`` entries for wanted variables."""
    kind = env_file_kind(PurePosixPath(path).name, "deployment")
    return [
        DeclaredValue(
            name, _text(value), path, line, "docker-compose environment", kind, service, build, images
        )
        for name, value, line in pairs
        if name in wanted and value is not None
    ]


def compose_env_files(
    path: str, service: str, spec: Mapping[str, Any], line: int, build: str | None, images: tuple[str, ...]
) -> list[EnvironmentReference]:
    """A compose service's ``env_file:``: a path, a list of paths, or of ``{path: .., required: ..}``."""
    written = spec.get("env_file")
    entries = written if isinstance(written, list) else [written]
    targets = [e.get("path") if isinstance(e, Mapping) else e for e in entries]
    return [
        EnvironmentReference(path, line, "docker-compose env_file", service, target, build, images)
        for target in targets
        if isinstance(target, str) and target
    ]


def container_values(
    path: str, workload: str, env: Any, images: tuple[str, ...], wanted: frozenset[str]
) -> tuple[list[DeclaredValue], list[EnvironmentReference]]:
    """A Kubernetes container's ``env`` list: plain values, and the ConfigMap keys it reads."""
    values: list[DeclaredValue] = []
    references: list[EnvironmentReference] = []
    if not isinstance(env, list):
        return values, references
    kind = env_file_kind(PurePosixPath(path).name, "deployment")
    for item in env:
        name = item.get("name") if isinstance(item, Mapping) else None
        if not isinstance(name, str) or name not in wanted:
            continue
        line = item.line_of("name") if hasattr(item, "line_of") else 1
        if item.get("value") is not None:
            line = item.line_of("value") if hasattr(item, "line_of") else line
            how = "Kubernetes env"
            values.append(
                DeclaredValue(name, _text(item["value"]), path, line, how, kind, workload, None, images)
            )
            continue
        source = item.get("valueFrom")
        ref = source.get("configMapKeyRef") if isinstance(source, Mapping) else None
        if isinstance(ref, Mapping) and isinstance(ref.get("name"), str) and isinstance(ref.get("key"), str):
            how = "Kubernetes configMapKeyRef"
            references.append(
                EnvironmentReference(
                    path, line, how, workload, ref["name"], images=images, key=ref["key"], variable=name
                )
            )
    return values, references


def container_env_from(
    path: str, workload: str, env_from: Any, images: tuple[str, ...]
) -> list[EnvironmentReference]:
    """A Kubernetes container's ``envFrom`` ConfigMaps (Secrets hold no pool sizes, and are not read)."""
    found = []
    for index, item in enumerate(env_from if isinstance(env_from, list) else []):
        ref = item.get("configMapRef") if isinstance(item, Mapping) else None
        if isinstance(ref, Mapping) and isinstance(ref.get("name"), str):
            line = env_from.line_of(index) if hasattr(env_from, "line_of") else 1
            prefix = item.get("prefix")
            found.append(
                EnvironmentReference(
                    path,
                    line,
                    "Kubernetes envFrom",
                    workload,
                    ref["name"],
                    images=images,
                    prefix=prefix if isinstance(prefix, str) else "",
                )
            )
    return found


def config_map_values(path: str, document: Mapping[str, Any]) -> list[DeclaredValue]:
    """A ConfigMap's ``data``, every key: a container may read any of them under another name."""
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    data = document.get("data")
    if not isinstance(name, str) or not isinstance(data, Mapping):
        return []
    return [
        DeclaredValue(
            str(key),
            _text(value),
            path,
            data.line_of(key) if hasattr(data, "line_of") else 1,
            f"Kubernetes ConfigMap {name}",
            env_file_kind(PurePosixPath(path).name, "deployment"),
            document=name,
        )
        for key, value in data.items()
        if value is not None and not isinstance(value, (Mapping, list))
    ]


def is_helm_template(path: str, text: str) -> bool:
    """A chart's template: under ``templates/``, with Go template actions YAML cannot read."""
    return "templates" in PurePosixPath(path).parts and "{{" in text


def helm_template_references(path: str, text: str, wanted: frozenset[str]) -> list[EnvironmentReference]:
    """The wanted variables a template sets plainly from ``.Values``: references to the chart's values."""
    parts = PurePosixPath(path).parts
    chart = str(PurePosixPath(*parts[: len(parts) - 1 - parts[::-1].index("templates")]))
    found = []
    for pattern in (HELM_ENV_ITEM, HELM_KEY):
        for match in pattern.finditer(text):
            if match.group(1) in wanted:
                line = text.count("\n", 0, match.start()) + 1
                found.append(
                    EnvironmentReference(
                        path,
                        line,
                        "Helm template",
                        PurePosixPath(chart).name,
                        chart,
                        key=match.group(2),
                        variable=match.group(1),
                    )
                )
    return found


def is_helm_values(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.startswith("values") and name.endswith((".yaml", ".yml"))


def helm_values(path: str, document: Mapping[str, Any]) -> list[DeclaredValue]:
    """Every scalar of a chart's values file, by its dotted path (``database.poolSize``)."""
    chart = str(PurePosixPath(path).parent)
    words = PurePosixPath(path).name.rsplit(".", 1)[0].replace("values", "", 1)
    kind = env_file_kind(words, "deployment")
    found: list[DeclaredValue] = []
    stack: list[tuple[str, Mapping[str, Any]]] = [("", document)]
    while stack:
        prefix, mapping = stack.pop()
        for key, value in mapping.items():
            name = f"{prefix}{key}"
            if isinstance(value, Mapping):
                stack.append((name + ".", value))
            elif value is not None and not isinstance(value, list):
                line = mapping.line_of(key) if hasattr(mapping, "line_of") else 1
                found.append(
                    DeclaredValue(name, _text(value), path, line, HELM, kind, document=f"helm:{chart}")
                )
    return found


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def env_files_referenced(references: Iterable[EnvironmentReference]) -> list[str]:
    """The env files compose services name, as paths to open (relative to their compose file)."""
    return [_target_path(r) for r in references if r.how == "docker-compose env_file"]


def _target_path(reference: EnvironmentReference) -> str:
    return os.path.normpath(os.path.join(os.path.dirname(reference.path), reference.target))


@dataclass(frozen=True)
class DeclaredEnvironment:
    """Every value the repository gives each variable a pool reads, with the services they are for."""

    values: Mapping[str, tuple[DeclaredValue, ...]]

    @classmethod
    def of(
        cls,
        values: Iterable[DeclaredValue],
        references: Iterable[EnvironmentReference],
        wanted: frozenset[str],
    ) -> DeclaredEnvironment:
        """The values, each service's ``env_file`` and ConfigMaps given to it, and ``${VAR}`` filled in."""
        plain = list(values)
        given: list[DeclaredValue] = []
        for reference in references:
            given += _given(reference, plain)
        taken = {(v.path, v.line) for v in given}
        kept = [v for v in plain if (v.path, v.line) not in taken and v.variable in wanted]
        found: dict[str, list[DeclaredValue]] = {}
        for value in (*given, *kept):
            if value.variable in wanted:
                found.setdefault(value.variable, []).append(value)
        for variable, declared in found.items():
            found[variable] = [_interpolated(v, plain) for v in declared]
        return cls({name: tuple(declared) for name, declared in found.items()})

    def declared(self, variable: str) -> tuple[DeclaredValue, ...]:
        return self.values.get(variable, ())

    def used(self, variable: str, code_path: str) -> DeclaredValue | None:
        """The value the pool at ``code_path`` runs with: its own service's, then any deployment
        file's, then a developer's ``.env``; None when only examples and tests declare it."""
        from poolcheck.capacity.budget import runs_code  # here: a run with no env read never needs it

        source = PurePosixPath(code_path)
        ranked: list[tuple[int, DeclaredValue]] = []
        for value in self.declared(variable):
            if value.kind == "deployment":
                tied = bool(value.service) and runs_code(source, value)
                taken = 1 if value.how.startswith(TAKEN) else 0
                ranked.append(((TIED if tied else DEPLOYED) + taken, value))
            elif value.kind == "development":
                ranked.append((DEVELOPMENT, value))
        known = [(rank, value) for rank, value in ranked if not INTERPOLATION.search(value.value)]
        return min(known, key=lambda pair: pair[0])[1] if known else None


def _given(reference: EnvironmentReference, values: list[DeclaredValue]) -> list[DeclaredValue]:
    """The values a reference gives its service: an env file's lines, a ConfigMap's keys."""
    tie = {"service": reference.service, "build": reference.build, "images": reference.images}
    if reference.how == "docker-compose env_file":
        target = _target_path(reference)
        how = f"docker-compose env_file {reference.target}"
        kind = env_file_kind(PurePosixPath(reference.path).name, "deployment")  # the compose file's
        return [
            replace(v, how=how, kind=kind, **tie)  # type: ignore[arg-type]
            for v in values
            if v.how == "env file" and os.path.normpath(v.path) == target
        ]
    if reference.how == "Helm template":
        chart = [v for v in values if v.document == f"helm:{reference.target}"]
        images = tuple(v.value for v in chart if v.variable == "image.repository")
        how = f"Helm values {reference.key} via {PurePosixPath(reference.path).name}"
        return [
            replace(v, variable=reference.variable, how=how, service=reference.service, images=images)
            for v in chart
            if v.variable == reference.key
        ]
    config_map = [v for v in values if v.document == reference.target]
    if reference.key is not None:
        how = f"Kubernetes ConfigMap {reference.target} key {reference.key}"
        return [
            replace(v, variable=reference.variable, how=how, **tie)  # type: ignore[arg-type]
            for v in config_map
            if v.variable == reference.key
        ]
    how = f"Kubernetes ConfigMap {reference.target} via envFrom"
    return [
        replace(v, variable=reference.prefix + v.variable, how=how, **tie)  # type: ignore[arg-type]
        for v in config_map
    ]


def _interpolated(value: DeclaredValue, values: list[DeclaredValue]) -> DeclaredValue:
    """A compose value ``${VAR:-20}``: VAR from the ``.env`` beside the compose file, else its default.

    Compose reads that ``.env`` for interpolation whatever the services' ``env_file:`` say.
    """
    match = INTERPOLATION.fullmatch(value.value.strip())
    if match is None or not value.how.startswith("docker-compose"):
        return value
    name = match.group(1) or match.group(4)
    folder = os.path.dirname(os.path.normpath(value.path))
    beside = next(
        (
            v
            for v in values
            if v.variable == name
            and v.how == "env file"
            and os.path.basename(v.path) == ".env"
            and os.path.dirname(os.path.normpath(v.path)) == folder
        ),
        None,
    )
    if beside is not None:
        return replace(value, value=beside.value, how=f"{value.how}, ${{{name}}} from {beside.defined_at}")
    if match.group(2) is not None:
        return replace(value, value=match.group(3), how=f"{value.how}, ${{{name}}}'s default")
    return value


def with_declared_environment(site: PoolSite, environment: DeclaredEnvironment) -> PoolSite:
    """The site with each knob read from a declared variable set to the value its service runs with,
    and its database the one its URL's declared value names."""
    knobs = tuple((name, declared_setting(setting, environment, site.path)) for name, setting in site.knobs)
    database = declared_database(site, environment)
    if knobs == site.knobs and database == site.database:
        return site
    return replace(site, knobs=knobs, database=database)


def declared_database(site: PoolSite, environment: DeclaredEnvironment) -> str:
    """The database the declared value of the URL's variable names, for the service that runs the
    code (``postgresql+psycopg://..`` in a ConfigMap over the code's ``sqlite:///./orders.db``).

    In the branch a SQLite test excludes a SQLite value is not what runs: the database stays the
    code's (``unknown`` when its default was SQLite). A value that names no database keeps it too.
    """
    if site.database_env is None:
        return site.database
    used = environment.used(site.database_env, site.path)
    named = database_of_url(used.value) if used is not None else "unknown"
    if named == "unknown" or (named == "sqlite" and site.sqlite_excluded):
        return site.database
    return named


def declared_setting(setting: Setting, environment: DeclaredEnvironment, code_path: str) -> Setting:
    """A setting read from an env variable: the declared value used (source "env"), every value kept.

    A variable declared nowhere, or only with values that are not numbers, keeps the code's reading.
    """
    if setting.parts and not setting.env and setting.source == "dynamic":
        return _declared_parts(setting, environment, code_path)
    if not setting.env or setting.source not in ("env-default", "dynamic"):
        return setting
    declared = environment.declared(setting.env)
    if not declared:
        return setting
    used = environment.used(setting.env, code_path)
    value = _value(used.value, setting) if used is not None else None
    if used is None or value is None:
        return replace(setting, declared=declared)
    return replace(
        setting,
        value=value,
        source="env",
        via=f"env {setting.env}",
        defined_at=used.defined_at,
        declared=declared,
    )


def _declared_parts(setting: Setting, environment: DeclaredEnvironment, code_path: str) -> Setting:
    """A value read from several variables (a serde Duration's secs and nanos, each in seconds): each
    part with its declared value, and their sum once every part has one; the first part names it.
    With none declared it is one value set at run time, as the code reads it, not a sum of unknowns."""
    parts = tuple((name, declared_setting(part, environment, code_path)) for name, part in setting.parts)
    if not any(part.declared for _, part in parts):
        return replace(setting, parts=())
    numbers = [
        part.value
        for _, part in parts
        if part.source == "env" and isinstance(part.value, (int, float)) and not isinstance(part.value, bool)
    ]
    total = bounded(sum(numbers)) if len(numbers) == len(parts) else None
    if total is None:
        return replace(setting, parts=parts)
    lead = parts[0][1]
    return replace(
        setting,
        value=total,
        source="env",
        env=lead.env,
        via=" + ".join(part.via for _, part in parts if part.via),
        defined_at=lead.defined_at,
        declared=lead.declared,
        parts=parts,
    )


def _value(text: str, setting: Setting) -> Value:
    """The variable's text as the code reads it: a flag, or a number in the knob's unit."""
    if isinstance(setting.value, bool):
        word = text.strip().lower()
        return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None
    number = parse_number(text)
    if number is None:
        return None
    if setting.scale != 1.0:
        return bounded(float(number) * setting.scale)
    if isinstance(setting.value, int) and isinstance(number, float) and number.is_integer():
        return int(number)
    return number
