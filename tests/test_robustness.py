"""Never crash (SPEC section 7): random bytes, random text and broken real fixtures through the whole run.

Every example is a file on disk given to ``poolcheck.pipeline.run``; the run must
return a report (pools, findings and/or error entries) that every output format
renders. A front-end bug met on a strange file is contained as an error entry
that says "internal error"; these tests fail on such an entry, so the bug shows
here instead of being hidden. Examples are derandomized and bounded, so a run
is the same on every machine and takes seconds.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poolcheck.emit import github, gitlab, sarif, text
from poolcheck.emit import json as json_format
from poolcheck.frontends import FRONT_ENDS
from poolcheck.model import Report
from poolcheck.pipeline import RunSettings, run
from poolcheck.read import is_candidate

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SUFFIXES = (".rs", ".py")
FIXTURE_FILES = sorted(p for p in FIXTURES.rglob("*") if p.suffix in SUFFIXES and p.is_file())
# Each trigger token with the companion it needs, if any, so that what follows it reaches the parsers.
TRIGGERS = sorted(
    {
        " ".join(t.decode() for t in (token, *fe.companions.get(token, ())[:1]))
        for fe in FRONT_ENDS
        for token in fe.triggers
    }
)
# The fixtures the prefilter lets through: mutating them exercises the parsers, not just the search.
BY_SUFFIX = {suffix: fe for fe in FRONT_ENDS for suffix in fe.suffixes}
CANDIDATES = [p for p in FIXTURE_FILES if is_candidate(p.read_bytes(), BY_SUFFIX[p.suffix])]
# Words of the real fixtures, so that random text is often almost code.
WORDS = sorted(
    {w for p in FIXTURE_FILES for w in re.findall(r"\w+|[^\w\s]", p.read_text("utf-8", "replace"))}
)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("robustness")


def check(folder: Path, name: str, data: bytes) -> Report:
    """Run the whole pipeline on one file holding ``data``; it must report, and render, without raising."""
    path = folder / name
    path.write_bytes(data)
    report = run([path], RunSettings(jobs=1))
    assert report.files_checked == 1
    internal = [e.message for e in report.errors if "internal error" in e.message]
    assert not internal, internal
    for render in (json_format.render, text.render, gitlab.render):
        assert isinstance(render(report), str)
    assert isinstance(sarif.render(report), str)
    assert isinstance(github.render(report, {}), str)
    return report


def test_every_fixture_is_checked_whole(workdir: Path) -> None:
    """The unmutated fixtures are the baseline the mutations start from: they must find pools."""
    pools = sum(len(check(workdir, f"whole{p.suffix}", p.read_bytes()).pools) for p in FIXTURE_FILES)
    assert FIXTURE_FILES and pools > 0


@pytest.mark.slow
@BOUNDED
@given(
    suffix=st.sampled_from(SUFFIXES),
    head=st.sampled_from(["", *TRIGGERS]),
    body=st.binary(max_size=4096),
    binary=st.booleans(),
)
def test_random_bytes(workdir: Path, suffix: str, head: str, body: bytes, binary: bool) -> None:
    # Without NUL bytes the file is not taken for binary, so the bytes reach the parsers.
    check(workdir, f"bytes{suffix}", head.encode() + (body if binary else body.replace(b"\0", b" ")))


@pytest.mark.slow
@BOUNDED
@given(
    suffix=st.sampled_from(SUFFIXES),
    parts=st.lists(st.sampled_from(WORDS) | st.sampled_from(TRIGGERS) | st.text(max_size=8), max_size=400),
    separator=st.sampled_from([" ", "", "\n", "\r\n", "\t"]),
)
def test_random_text_of_code_words(workdir: Path, suffix: str, parts: list[str], separator: str) -> None:
    check(workdir, f"text{suffix}", separator.join(parts).encode("utf-8", "surrogatepass"))


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _delete_token(data: bytes, rng: random.Random) -> bytes:
    tokens = list(re.finditer(rb"\w+|[^\w\s]", data))
    if not tokens:
        return data
    token = rng.choice(tokens)
    return data[: token.start()] + data[token.end() :]


def _duplicate_token(data: bytes, rng: random.Random) -> bytes:
    tokens = list(re.finditer(rb"\w+|[^\w\s]", data))
    if not tokens:
        return data
    token = rng.choice(tokens)
    return data[: token.end()] + token.group() * rng.randint(1, 5) + data[token.end() :]


def _insert(piece: bytes) -> Callable[[bytes, random.Random], bytes]:
    def insert(data: bytes, rng: random.Random) -> bytes:
        at = rng.randrange(len(data) + 1)
        return data[:at] + piece + data[at:]

    return insert


def _crlf(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\n", rng.choice([b"\r\n", b"\r", b"\n\r"]))


def _bom(data: bytes, rng: random.Random) -> bytes:
    return rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]) + data


def _utf16(data: bytes, rng: random.Random) -> bytes:
    return data.decode("utf-8", "replace").encode(rng.choice(["utf-16", "utf-16-le", "utf-32"]))


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": _truncate,
    "delete token": _delete_token,
    "duplicate token": _duplicate_token,
    "open bracket": _insert(b"("),
    "close brackets": _insert(b")]}"),
    "open brace": _insert(b"{["),
    "quote": _insert(b'"'),
    "long line": _insert(b"x" * 200_000 + b"\n"),
    "long string": _insert(b'"' + b"a" * 100_000 + b'"'),
    "deep parentheses": _insert(b"(" * 20_000 + b"1" + b")" * 20_000),
    "deep lists": _insert(b"[" * 20_000 + b"]" * 20_000),
    "deep blocks": _insert(b"{" * 20_000 + b"}" * 20_000),
    "method chain": _insert(b"x" + b".f()" * 5_000),
    "attribute chain": _insert(b"\nx = y" + b".z" * 100_000 + b"\n"),
    "unary chain": _insert(b"\nx = " + b"-" * 100_000 + b"1\n"),
    "builder chain": _insert(b"PgPoolOptions::new()" + b".max_connections(5)" * 3_000 + b".connect(u)"),
    "call chain": _insert(b"create_engine(u" + b", pool_size=5" * 3_000 + b")"),
    "latin-1": _insert("café naïve".encode("latin-1")),
    "invalid utf-8": _insert(b"\xc3\x28\xa0\xa1\xf0\x28\x8c\xbc"),
    "nul": _insert(b"\0"),
    "nul late": lambda data, rng: data + b"#" * 9000 + b"\0",
    "crlf": _crlf,
    "bom": _bom,
    "utf-16": _utf16,
    "cookie": lambda data, rng: (
        b"# -*- coding: " + rng.choice([b"latin-1", b"bogus", b"utf-16"]) + b" -*-\n" + data
    ),
    "tabs and form feeds": _insert(b"\t\f\v\x1b"),
}


@pytest.mark.slow
@settings(BOUNDED, max_examples=250)
@given(
    fixture=st.sampled_from(CANDIDATES),
    mutations=st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=4),
    seed=st.integers(0, 2**32 - 1),
)
def test_mutated_fixtures(workdir: Path, fixture: Path, mutations: list[str], seed: int) -> None:
    rng = random.Random(seed)
    data = fixture.read_bytes()
    for name in mutations:
        data = MUTATIONS[name](data, rng)
    check(workdir, f"mutated{fixture.suffix}", data)


# Far past what any mutated file takes (the slowest, a 3,000-step builder chain, takes a tenth of a
# second): however loaded the machine, no file becomes a timeout in one run and not in the other.
GENEROUS_TIMEOUT = 120.0


@pytest.mark.slow
def test_mutated_tree_reports_the_same_serially_and_in_parallel(tmp_path: Path) -> None:
    """Bad input in worker processes: the same report as in one process, in the same order."""
    rng = random.Random(20240601)
    names = sorted(MUTATIONS)
    for number in range(120):
        fixture = FIXTURE_FILES[number % len(FIXTURE_FILES)]
        data = fixture.read_bytes()
        for name in rng.sample(names, 2):
            data = MUTATIONS[name](data, rng)
        (tmp_path / f"f{number:03d}{fixture.suffix}").write_bytes(data)
    serial = run([tmp_path], RunSettings(jobs=1, timeout=GENEROUS_TIMEOUT))
    parallel = run([tmp_path], RunSettings(jobs=2, timeout=GENEROUS_TIMEOUT))
    assert serial.files_checked == parallel.files_checked == 120
    assert json_format.render(serial) == json_format.render(parallel)
    assert not [e for e in serial.errors if "internal error" in e.message or e.kind == "timeout"]
