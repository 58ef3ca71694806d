"""What a file says about one package: a pinned version, or the lowest version a requirement allows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from poolcheck.versions.release import plain, release


@dataclass(frozen=True)
class Pins:
    """What one file says about the packages poolcheck knows, and the versions in it it could not read."""

    pins: Mapping[str, Pin] = field(default_factory=dict)  # by normalized name
    problems: tuple[str, ...] = ()  # "sqlx: '1e99' is not a version poolcheck reads"


@dataclass(frozen=True)
class Pin:
    """A package's version as one file says it: locked, or the lowest a requirement allows."""

    version: str
    at_least: bool = False  # a requirement's lower bound: the version installed may be newer


class VersionProblem(Exception):
    """A package's version that poolcheck cannot read; the message is the warning's."""


def lowest(pins: list[Pin]) -> Pin:
    """Of several versions of one package (a lockfile's forks), the lowest: its facts are the safe ones."""
    return min(pins, key=lambda pin: release(pin.version) or ())


# PEP 440 specifiers: the lower bounds a requirement names (``>`` has none that is a version in use).
PYTHON_SPECIFIER = re.compile(r"\s*(===|==|~=|>=|<=|!=|>|<)\s*([^\s,;]+)")
PEP_508 = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*\(?([^;@]*)")
# Cargo and Poetry: ``0.7``, ``^0.7``, ``~0.7``, ``=0.7.4``, ``>=0.6, <0.8``, ``0.7.*``.
CARET_SPECIFIER = re.compile(r"\s*(\^|~=|~|==|=|>=|<=|>|<|!=)?\s*([0-9][^\s,|]*|\*)")


def python_requirement(line: str) -> tuple[str, Pin | None] | None:
    """``psycopg-pool[extra]>=3.1,<4 ; python_version>'3.8'`` -> (name, Pin('3.1', at_least=True)).

    None when the line names no package; a Pin of None when it names no lower bound.
    """
    found = PEP_508.match(line)
    if found is None:
        return None
    return found.group(1), python_bound(found.group(2).rstrip(") \t"))


def python_bound(specifiers: str) -> Pin | None:
    """The version a PEP 440 specifier set pins (one ``==X``), else its highest ``>=``/``~=``/``==`` bound."""
    found = [(op, version) for op, version in PYTHON_SPECIFIER.findall(specifiers)]
    if len(found) == 1 and found[0][0] in ("==", "===") and "*" not in found[0][1]:
        version = plain(found[0][1])
        return Pin(version) if version else _unreadable(found[0][1])
    bounds = [v.removesuffix(".*") for op, v in found if op in ("==", "===", "~=", ">=")]
    return _lowest_allowed(bounds)


def caret_bound(requirement: str, bare_exact: bool = False) -> Pin | None:
    """The version a Cargo or Poetry requirement pins (``=0.7.4``; with ``bare_exact``, Poetry's bare
    ``3.1.9`` too, where Cargo's bare ``0.7`` means ``^0.7``), else
    the lowest it allows (``0.7`` and ``^0.7`` allow 0.7.0 and up); None for ``*`` or only upper bounds.
    Of several alternatives (Poetry's ``||``) the lowest counts.
    """
    pins = [_caret_one(alternative, bare_exact) for alternative in requirement.split("||")]
    known = [pin for pin in pins if pin is not None]
    if not known or len(known) < len(pins):
        return None
    return min(known, key=lambda pin: release(pin.version) or ())


def _caret_one(requirement: str, bare_exact: bool) -> Pin | None:
    found = CARET_SPECIFIER.findall(requirement)
    exact = ("=", "==", "") if bare_exact else ("=", "==")
    if len(found) == 1 and found[0][0] in exact and "*" not in found[0][1] and found[0][1].count(".") == 2:
        version = plain(found[0][1])
        return Pin(version) if version else _unreadable(found[0][1])
    bounds = [
        v.removesuffix(".*").removesuffix(".x")
        for op, v in found
        if op in ("", "^", "~", "~=", "=", "==", ">=") and v != "*"
    ]
    return _lowest_allowed(bounds)


def _lowest_allowed(bounds: list[str]) -> Pin | None:
    if not bounds:
        return None
    readable = [(release(v), v) for v in bounds]
    if any(parts is None for parts, _ in readable):
        return _unreadable(next(v for parts, v in readable if parts is None))
    version = max(readable, key=lambda item: item[0] or ())[1]
    return Pin(plain(version) or version, at_least=True)


def _unreadable(version: str) -> Pin:
    shown = version if len(version) <= 20 else f"{version[:20]}... ({len(version)} characters)"
    raise VersionProblem(f"{shown!r} is not a version poolcheck reads")


def locked(version: object) -> Pin:
    """A lockfile's version field: a string that is a version, else ``VersionProblem``."""
    if not isinstance(version, str):
        raise VersionProblem(f"the version is a {type(version).__name__}, not a string")
    shown = plain(version.removeprefix("=="))
    return Pin(shown) if shown is not None else _unreadable(version)
