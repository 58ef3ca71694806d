"""Hostile input, area declarations: the files that declare servers and replicas, and the numbers in them.

Each case: no traceback, exit code 1 (an error entry), that entry names the file and line, the
good declarations beside it still count (the p1 capacity finding still fires), the cost grows
with the input (by ratio, never a clock limit), and nothing is written into the checked tree.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from poolcheck.capacity.budget import budgets
from poolcheck.capacity.read import read_declarations
from poolcheck.capacity.sources import declarations
from poolcheck.cli import main
from poolcheck.describe import quantity
from poolcheck.pipeline import RunSettings, run

# 40 connections x 3 replicas against 100 - 3 reserved: the budget is exceeded (PC010).
APP = (
    "use sqlx::postgres::PgPoolOptions;\n"
    "async fn f(u: &str) { let p = PgPoolOptions::new().max_connections(40).connect(u).await; }\n"
)
COMPOSE = """services:
  app:
    build: ./app
    deploy:
      replicas: 3
  db:
    image: postgres:16
    command: postgres -c max_connections=100
"""


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "main.rs").write_text(APP)
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    return project


def _tree(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def _checked(project: Path, bad: str, line: int) -> None:
    """The whole run over ``project``: exit 1, one error for ``bad`` at ``line``, PC010 still fires."""
    before = _tree(project)
    report = run([project], RunSettings())
    errors = [(e.path.rsplit("/", 1)[-1], e.kind, e.message) for e in report.errors]
    assert [(name, kind) for name, kind, _ in errors] == [(bad, "parse")], errors
    assert errors[0][2].startswith(f"line {line}: "), errors
    assert "PC010" in {f.rule for f in report.findings}
    result = CliRunner().invoke(main, [str(project)])
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == 1
    assert _tree(project) == before  # nothing written beside the checked files


def _cost(read: Callable[[], object]) -> float:
    """CPU seconds of ``read``, the least of three runs: a ratio of two is what tests compare."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        read()
        best = min(best, time.process_time() - start)
    return best


def _grows_linearly(make: Callable[[int], tuple[str, str]], n: int, repeat: int = 1) -> None:
    """Twice the input costs less than three times as much (a square would cost four)."""
    costs = []
    for size in (n, 2 * n):
        path, text = make(size)
        costs.append(_cost(lambda p=path, t=text: [declarations(p, t) for _ in range(repeat)]))
    assert costs[1] < 3 * costs[0], costs


# 1. Numbers: bounded, never a crash, never nonsense arithmetic

HUGE = "9" * 5_000


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("postgresql.conf", f"shared_buffers = 1GB\nmax_connections = {HUGE}\n", 2),
        ("postgresql.conf", "max_connections = ${X:-20}\n", 1),  # PostgreSQL does not interpolate
        ("postgresql.conf", "max_connections = 300000\n", 1),  # above PostgreSQL's 262143
        ("postgresql.conf", "max_connections = 0\n", 1),
        ("postgresql.conf", "superuser_reserved_connections = 2.5\n", 1),
        ("init.sql", f"SELECT 1;\nALTER SYSTEM SET max_connections = {HUGE};\n", 2),
        ("init.sql", f"ALTER SYSTEM SET max_connections = '{HUGE}';\n", 1),
        (".env", f"POSTGRESQL_MAX_CONNECTIONS={HUGE}\n", 1),
        ("k8s.yaml", f"kind: ConfigMap\ndata:\n  POSTGRESQL_MAX_CONNECTIONS: '{HUGE}'\n", 3),
        ("values.yaml", f"primary:\n  extendedConfiguration: |\n    max_connections = {HUGE}\n", 3),
    ],
)
def test_a_number_out_of_range_is_an_error_beside_the_good_server(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    _checked(_project(tmp_path, {"docker-compose.yml": COMPOSE, name: text}), name, line)


@pytest.mark.parametrize(
    ("replace", "line"),
    [
        ("replicas: 3", 5),  # the good case: no error, checked below
        (f"replicas: {HUGE}", 5),
        ("replicas: 100001", 5),
        ("replicas: -1", 5),
    ],
)
def test_compose_replicas_out_of_range(tmp_path: Path, replace: str, line: int) -> None:
    bad = (
        COMPOSE.replace("replicas: 3", replace)
        + f"  other:\n    command: postgres -c max_connections={HUGE}\n"
    )
    found = declarations("docker-compose.yml", bad)
    assert [(e.message.split(":")[0]) for e in found.errors][-1] == "line 10"
    if replace != "replicas: 3":
        assert found.errors[0].message.startswith(f"line {line}: replicas of app")
        assert found.replicas == ()
    assert [s.value for s in found.settings] == [100]


def test_a_float_is_read_as_postgresql_reads_it_not_cut_at_the_point() -> None:
    # 1e3 was read as 1: "-206 available"; PostgreSQL rounds a float written for an integer setting.
    assert [s.value for s in declarations("postgresql.conf", "max_connections = 1e3\n").settings] == [1000]
    assert [s.value for s in declarations(".env", "POSTGRESQL_MAX_CONNECTIONS=1e3\n").settings] == [1000]


def test_huge_literals_in_code_are_unknown_not_a_crash(tmp_path: Path) -> None:
    digits = "9" * 400
    (tmp_path / "app.py").write_text(
        "from sqlalchemy import create_engine\n"
        f'e = create_engine("postgresql://db/x", pool_size={digits}, pool_timeout=1e400)\n'
        'g = create_engine("postgresql://db/y", pool_size=5)\n'
    )
    (tmp_path / "main.rs").write_text(
        "use sqlx::postgres::PgPoolOptions; use std::time::Duration;\n"
        f"async fn f(u: &str) {{ let p = PgPoolOptions::new().max_connections(0x{'f' * 4000})"
        f".acquire_timeout(Duration::from_secs({digits})).max_lifetime(Duration::from_secs(9 * {'9' * 30}))"
        ".connect(u).await; }\n"
    )
    report = run([tmp_path], RunSettings())
    assert report.errors == ()
    values = {
        (p.site.path.rsplit("/", 1)[-1], c, s.value, s.source)
        for p in report.pools
        for c, s in p.settings.items()
        if c in ("max_connections", "acquire_timeout", "max_lifetime")
    }
    assert ("main.rs", "max_connections", None, "dynamic") in values
    assert ("main.rs", "acquire_timeout", None, "dynamic") in values
    assert ("main.rs", "max_lifetime", None, "dynamic") in values
    assert ("app.py", "acquire_timeout", None, "dynamic") in values
    assert any(v[2] == 15 for v in values)  # the good engine: 5 + 10 overflow
    shown = " ".join(f.message for f in report.findings)
    assert "inf" not in shown.split() and "e+" not in shown


def test_a_literal_past_python_s_digit_limit_keeps_the_file_read(tmp_path: Path) -> None:
    # 5,000 digits is past int()'s 4,300: the parser refused the whole file, and its pools were lost.
    (tmp_path / "app.py").write_text(
        "from sqlalchemy import create_engine\n"
        f"HUGE = {'9' * 5000}\n"
        'e = create_engine("postgresql://db/x", pool_size=HUGE)\n'
        'g = create_engine("postgresql://db/y", pool_size=5)\n'
    )
    report = run([tmp_path], RunSettings())
    assert report.errors == ()
    pools = sorted(report.pools, key=lambda pool: pool.site.span)
    assert [p.settings["max_connections"].value for p in pools] == [None, 15]  # HUGE is unknown
    assert sys.get_int_max_str_digits() == 4300  # the parser's room is given back


def test_quantity_never_overflows() -> None:
    assert quantity("max_connections", 10**400) == "out of range"
    assert quantity("acquire_timeout", float("inf")) == "out of range"
    assert quantity("acquire_timeout", 1800.0) == "30 min"


# 2. Shapes: each document validated; a bad one is an error, the good ones still count

GOOD_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 3
"""


@pytest.mark.parametrize(
    ("bad", "line", "counted"),
    [
        ("apiVersion: apps/v1\nkind: [Deployment]\n", 10, []),
        ("apiVersion: apps/v1\nkind: {a: 1}\n", 10, []),
        ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: hello\n", 12, []),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n"
            "spec: {template: {spec: {containers: [{env: 5}, 7]}}}\n",
            12,
            ["x"],  # the workload counts; its broken containers are errors
        ),
        ("garbage: [unclosed, {\n", 10, []),  # where the parser gave up: the document's end
        ("services: [" * 10 + "\n", 10, []),
    ],
)
def test_a_bad_document_among_good_ones(bad: str, line: int, counted: list[str]) -> None:
    manifest = f"---\n{GOOD_DEPLOYMENT}---\n{bad}---\n{GOOD_DEPLOYMENT.replace('name: app', 'name: other')}"
    found = declarations("k8s/app.yaml", manifest)
    assert [r.service for r in found.replicas] == ["app", *counted, "other"]
    assert {e.message.split(":")[0] for e in found.errors} == {f"line {line}"}, found.errors


def test_a_python_tag_is_a_plain_value_never_run() -> None:
    manifest = f"{GOOD_DEPLOYMENT}---\nkey: !!python/object/apply:os.system [touch pwned]\n"
    found = declarations("k8s/app.yaml", manifest)
    assert ([r.service for r in found.replicas], found.errors) == (["app"], ())


def test_a_bad_document_in_the_compose_file_keeps_the_budget(tmp_path: Path) -> None:
    _checked(
        _project(tmp_path, {"docker-compose.yml": COMPOSE + "---\ngarbage: [\n"}), "docker-compose.yml", 11
    )


def test_compose_reset_and_override_tags_read_as_their_value(tmp_path: Path) -> None:
    compose = COMPOSE.replace("  app:\n", "  app: !override\n").replace(
        "    build: ./app\n", "    build: ./app\n    ports: !reset []\n    environment: !reset {}\n"
    )
    project = _project(tmp_path, {"docker-compose.yml": compose})
    report = run([project], RunSettings())
    assert report.errors == ()
    assert "PC010" in {f.rule for f in report.findings}


def test_merge_keys_and_lines_from_the_loader() -> None:
    compose = "x-common: &common\n  deploy:\n    replicas: 2\nservices:\n  app:\n    <<: *common\n    build: ./app\n"
    (replicas,) = declarations("docker-compose.yml", compose).replicas
    assert (replicas.service, replicas.count, replicas.line) == ("app", 2, 3)


def test_fifty_thousand_brackets_are_one_error() -> None:
    found = declarations("docker-compose.yml", "services: " + "[" * 50_000 + "\n")
    assert [e.message for e in found.errors] == [
        "line 1: YAML document not read: nested deeper than 100 levels"
    ]


def test_nesting_past_the_composer_s_bound_is_one_error_too() -> None:
    """101 levels: within libyaml's own bound (1,000), so the composer's refuses it."""
    found = declarations("docker-compose.yml", "services: " + "[" * 101 + "]" * 101 + "\n")
    assert [e.message for e in found.errors] == [
        "line 1: YAML document not read: nested deeper than 100 levels"
    ]


def test_a_control_character_is_an_error_on_its_line() -> None:
    """On its line after text that is not ASCII too (libyaml counts the bytes of UTF-8)."""
    compose = "services:\n  db:\n    # base de données, café\n    image: postgres\x07\n"
    found = declarations("docker-compose.yml", compose)
    assert [e.message for e in found.errors] == [
        "line 4: YAML document not read: unacceptable character #x0007: control characters are not allowed"
    ]


COMPOSE_STYLES = """\
x-db: &db
  image: postgres:16
  command: ["postgres", "-c", "max_connections=200"]
services:
  db:
    <<: *db
    deploy: {replicas: 1, resources: {limits: {memory: 1g}}}
  web:
    environment:
      - DB_POOL_SIZE=20
      - "DATABASE_URL=postgresql://app@db/app"
    deploy:
      replicas: 3
    healthcheck: {test: [CMD, true], interval: 10s}
    labels: !reset []
---
kind: Deployment
spec:
  replicas: 0x10
  template: {spec: {containers: [{name: app, env: [{name: POOL, value: "5"}, {name: ON, value: yes}]}]}}
...
---
- 1.5
- ~
- 2001-12-14
- 'it''s'
- |
  two
  lines
"""


def test_libyaml_reads_what_pyyaml_s_own_parser_reads() -> None:
    """The values and lines built from libyaml's parser are those of PyYAML's pure-Python one."""
    import yaml

    from poolcheck.capacity import loading
    from poolcheck.capacity.documents import yaml_documents

    class PurePython(loading._Bounded, yaml.SafeLoader):
        pass

    def read() -> list[tuple[object, ...]]:
        found = []
        for document in yaml_documents(COMPOSE_STYLES):
            value = getattr(document, "value", None)
            lines = getattr(value, "key_lines", None) or getattr(value, "item_lines", None)
            found.append((repr(document), repr(lines)))
        return found

    assert yaml.__with_libyaml__ and issubclass(loading._Loader, yaml._yaml.CParser)
    with_libyaml = read()
    real = loading._Loader
    loading._Loader = PurePython  # type: ignore[misc]
    try:
        assert read() == with_libyaml
    finally:
        loading._Loader = real  # type: ignore[misc]
    assert len(with_libyaml) == 3


# 3. Linear time


def test_postgresql_conf_line_of_spaces_is_linear() -> None:
    # The old pattern backtracked over the spaces: 200,000 of them took over a minute.
    _grows_linearly(
        lambda n: ("postgresql.conf", "max_connections" + " " * n + "x\nmax_connections = 5\n"), 400_000, 5
    )


def test_env_file_of_blank_lines_is_linear() -> None:
    # A guard for the line-by-line reader: the old whole-file pattern happened to be linear here too.
    _grows_linearly(lambda n: (".env", " \n" * n + "POSTGRESQL_MAX_CONNECTIONS=5\n"), 200_000)


def test_compose_blank_lines_before_the_services_are_linear() -> None:
    # Line numbers were found by an anchored search from the top, once per key: square in blank lines.
    _grows_linearly(lambda n: ("docker-compose.yml", "\n" * n + COMPOSE), 40_000)


def test_compose_with_many_services_is_linear() -> None:
    def compose(n: int) -> tuple[str, str]:
        service = "  s{0}:\n    command: postgres -c max_connections=100\n    deploy:\n      replicas: 2\n"
        return "docker-compose.yml", "services:\n" + "".join(service.format(i) for i in range(n))

    _grows_linearly(compose, 500)


def test_a_long_command_costs_its_length() -> None:
    # Commands are split with shlex: a megabyte of flags must not cost more than its reading.
    _grows_linearly(
        lambda n: ("Dockerfile", "FROM python\nCMD gunicorn " + "-w 2 " * n + "app:app\n"), 20_000
    )
    _grows_linearly(lambda n: ("Procfile", "web: gunicorn -w 2 app:app\n" * n), 5_000)


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("k8s.yaml", "kind: HorizontalPodAutoscaler\napiVersion: v2\nspec: 5\n", 3),
        (
            "k8s.yaml",
            f"kind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef: {{name: api}}\n  maxReplicas: {HUGE}\n",
            4,
        ),
        ("k8s.yaml", "kind: ScaledObject\nspec:\n  scaleTargetRef: {name: w}\n  maxReplicaCount: [1]\n", 4),
        ("gunicorn.conf.py", "workers = 2\n" + "x = 1\n" * 20_000, 1),
    ],
)
def test_bad_autoscalers_and_process_files_are_errors_not_crashes(name: str, text: str, line: int) -> None:
    found = declarations(name, text)
    assert [e.message.split(":", 1)[0] for e in found.errors] == [f"line {line}"], found.errors
    assert found.autoscalers == () and found.processes == ()


def test_unreadable_process_files_declare_nothing_and_never_raise() -> None:
    deep = "workers = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n"  # RecursionError in the parser
    for name, text in [
        ("gunicorn.conf.py", deep[:90_000]),
        ("gunicorn.conf.py", "workers = 4 +\n"),
        ("Dockerfile", 'FROM x\nCMD ["gunicorn", "-w", 4]\n'),  # a number in the exec form: the shell form
        ("Dockerfile", "FROM x\nCMD \\\n"),
        ("Procfile", "\x00\xff web gunicorn\n:::\n"),
        (
            "docker-compose.yml",
            "services:\n  api:\n    command: {gunicorn: -w}\n    environment: [WEB_CONCURRENCY=lots]\n",
        ),
    ]:
        found = declarations(name, text)
        assert all(p.count is None or p.count >= 1 for p in found.processes), (name, found)


# 4. Alias bombs


def _bomb(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + f"\nservices:\n  db:\n    command: *a{levels}\n    deploy: {{replicas: 2}}\n"


def test_an_alias_bomb_is_refused_and_the_run_goes_on(tmp_path: Path) -> None:
    _checked(
        _project(tmp_path, {"docker-compose.yml": COMPOSE, "bomb/compose.yaml": _bomb(9)}), "compose.yaml", 1
    )


def test_an_alias_bomb_costs_its_text_not_its_expansion() -> None:
    # Six levels expand to half a million strings, seven to almost five million: the cost stays.
    bombs = [_bomb(levels) for levels in (6, 7)]
    costs = [_cost(lambda b=bomb: declarations("docker-compose.yml", b)) for bomb in bombs]
    assert costs[1] < 3 * costs[0], costs


def test_a_chain_of_aliases_costs_its_length() -> None:
    def chain(n: int) -> tuple[str, str]:
        lines = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, n)]
        return "docker-compose.yml", "\n".join(lines) + "\nservices:\n  db:\n    command: *a5\n"

    found = declarations(*chain(5_000))
    assert [e.message.split(": ", 1)[1] for e in found.errors] == [
        "YAML document not read: nested deeper than 100 levels through aliases"
    ]
    _grows_linearly(chain, 2_000)


def _calls(read: Callable[[], object]) -> int:
    counted = Counter[str]()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        counted[event] += 1

    sys.setprofile(profile)
    try:
        read()
    finally:
        sys.setprofile(None)
    return counted["call"] + counted["c_call"]


def test_many_aliases_to_one_anchor_are_built_once() -> None:
    def compose(n: int) -> str:
        services = "".join(f"  s{i}: *service\n" for i in range(n))
        anchor = (
            "x-service: &service\n  deploy:\n    replicas: 2\n  command: postgres -c max_connections=10\n"
        )
        return anchor + "services:\n" + services

    texts = [compose(n) for n in (500, 1_000)]
    counts = [_calls(lambda t=text: declarations("docker-compose.yml", t)) for text in texts]
    assert counts[1] < 3 * counts[0], counts


# 5. Generated documents never raise

WORDS = st.sampled_from(
    [
        "services",
        "deploy",
        "replicas",
        "command",
        "environment",
        "kind",
        "Deployment",
        "apiVersion",
        "spec",
        "metadata",
        "name",
        "template",
        "containers",
        "env",
        "value",
        "POSTGRESQL_MAX_CONNECTIONS",
        "max_connections",
        "superuser_reserved_connections",
        "primary",
        "extendedConfiguration",
        "build",
        "image",
        "-c max_connections=",
        "ALTER SYSTEM SET max_connections",
        "${X:-",
        "}",
        "=",
        " TO ",
        "'",
        '"',
        "$$",
        "--",
        "/*",
        "*/",
        "!reset",
        "!override",
        "gunicorn -w ",
        "uvicorn --workers=",
        "celery worker -c",
        "-P ",
        "WEB_CONCURRENCY",
        "sh -c '",
        "CMD [",
        "ENTRYPOINT ",
        "FROM x\n",
        "web: ",
        "workers = ",
        "int(os.getenv('W', ",
        "kind: HorizontalPodAutoscaler",
        "kind: ScaledObject",
        "scaleTargetRef",
        "maxReplicas",
        "maxReplicaCount",
        "maxSurge",
        "25%",
        "[pgbouncer]\n",
        "[databases]\n",
        "max_client_conn = ",
        "default_pool_size",
        "pool_size=",
        "image: edoburu/pgbouncer",
        "@pgbouncer:6432",
        "kind: Deployment",
        "\\\n",
        "&a",
        "*a",
        "<<:",
        "---",
        "...",
        ":",
        "- ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "#",
        "\n",
        "\n  ",
        "\n    ",
        " ",
        "1e3",
        "0x10",
        "-1",
        "262144",
        "9" * 50,
        "1.5",
    ]
)
DOCUMENT = st.lists(st.one_of(WORDS, st.text(max_size=5)), max_size=60).map("".join)
NAMES = st.sampled_from(
    [
        "docker-compose.yml",
        "k8s.yaml",
        "postgresql.conf",
        "init.sql",
        ".env",
        "values.yaml",
        "Dockerfile",
        "Procfile",
        "gunicorn.conf.py",
        "pgbouncer.ini",
    ]
)


@settings(derandomize=True, database=None, deadline=None, max_examples=200)
@given(name=NAMES, text=DOCUMENT)
def test_generated_declarations_never_raise(
    tmp_path_factory: pytest.TempPathFactory, name: str, text: str
) -> None:
    folder = tmp_path_factory.mktemp("declared")
    path = folder / name
    path.write_text(text + "\nmax_connections replicas\n", encoding="utf-8", errors="surrogatepass")
    declared = read_declarations([str(path)])
    for setting in declared.settings:
        assert 0 <= setting.value <= 262_143
    for replicas in declared.replicas:
        assert 0 <= replicas.count <= 100_000
    for scaler in declared.autoscalers:
        assert 0 <= scaler.max_replicas <= 100_000
    for processes in declared.processes:
        assert processes.count is None or 1 <= processes.count <= 10_000
    for bouncer in declared.bouncers:
        assert 0 <= bouncer.server_connections <= 10**12
    assert all(e.message.startswith("line ") for e in declared.errors)
    budgets(declared, (), None, assume_default=True)
