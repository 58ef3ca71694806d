"""``--format json``: one object with stable keys, documented in docs/formats.md."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from poolcheck import __version__
from poolcheck.model import (
    PRIORITIES,
    Budget,
    DeclaredValue,
    LibraryVersion,
    Pool,
    Report,
    Setting,
    Span,
    Variant,
)

SCHEMA_VERSION = 1


def render(report: Report) -> str:
    return json.dumps(as_document(report), indent=2) + "\n"


def as_document(report: Report) -> dict[str, Any]:
    by_priority = Counter(f.priority for f in report.findings)
    return {
        "version": SCHEMA_VERSION,
        "tool": {"name": "poolcheck", "version": __version__},
        "pools": [_pool(pool) for pool in report.pools],
        "findings": [
            {
                "rule": f.rule,
                "name": f.name,
                "priority": f.priority,
                "path": f.path,
                **_span(f.span),
                "message": f.message,
                "library": f.library,
                # The version whose facts the finding is judged by, as pools[].library_version has it.
                "library_version": _version(report.pools[f.pool].version) if f.pool is not None else None,
                "fingerprint": f.fingerprint,
                "pool": f.pool,
            }
            for f in report.findings
        ],
        "errors": [{"path": e.path, "message": e.message, "kind": e.kind} for e in report.errors],
        "capacity": [_budget(budget) for budget in report.capacity],
        "summary": {
            "files": report.files_checked,
            "pools": len(report.pools),
            "findings": len(report.findings),
            "by_priority": {p: by_priority.get(p, 0) for p in PRIORITIES},
            "by_rule": dict(sorted(Counter(f.rule for f in report.findings).items())),
            "errors": len(report.errors),
            **({"fixed": report.fixed} if report.fixed else {}),  # a --fix run: the findings it removed
        },
    }


def _budget(budget: Budget) -> dict[str, Any]:
    server = budget.server
    setting = server.setting
    return {
        "server": {
            "kind": "pgbouncer" if server.bouncer is not None else "postgresql",
            "max_connections": server.max_connections,
            "reserved": server.reserved,
            "available": server.available,
            "where": server.where,
            "path": setting.path if setting else None,
            "line": setting.line if setting else None,
            "in_use": dict(server.in_use) if server.in_use is not None else None,
            "other_clients": dict(server.other_clients),
        },
        "pools": [
            {
                "pool": demand.index,
                "maximum": demand.maximum,
                "replicas": demand.replicas,
                "replicas_from": (
                    f"{demand.replicas_from.path}:{demand.replicas_from.line}"
                    if demand.replicas_from
                    else None
                ),
                "autoscaled_from": (
                    f"{demand.scaled_by.path}:{demand.scaled_by.line}" if demand.scaled_by else None
                ),
                "surge": demand.surge,
                "processes": demand.processes,
                "processes_from": (
                    f"{demand.processes_from.path}:{demand.processes_from.line}"
                    if demand.processes_from
                    else None
                ),
                "connections": demand.connections,
            }
            for demand in budget.demands
        ],
        "bouncers": [
            {
                "path": bouncer.path,
                "line": bouncer.line,
                "how": bouncer.how,
                "default_pool_size": bouncer.default_pool_size,
                "databases": len(bouncer.databases),
                "reserve_pool_size": bouncer.reserve_pool_size,
                "connections": bouncer.server_connections,
            }
            for bouncer in budget.bouncers
        ],
        "total": budget.total,
        "unknown": [demand.index for demand in budget.unknown],
        "exceeded": budget.exceeded,
    }


def _span(span: Span) -> dict[str, int]:
    return {
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
    }


def _pool(pool: Pool) -> dict[str, Any]:
    site = pool.site
    return {
        "path": site.path,
        **_span(site.span),
        "language": site.language,
        "library": site.library,
        "constructor": site.constructor,
        "database": site.database,
        "pooled": site.pooled,
        "role": {"name": site.role.name, "reason": site.role.reason},
        "library_version": _version(site.version),
        "settings": {concept: _setting(s) for concept, s in pool.settings.items()},
    }


def _version(version: LibraryVersion | None) -> dict[str, Any] | None:
    """The version whose facts apply: from a lockfile or manifest, or "assumed" (the latest release)."""
    if version is None:
        return None
    return {"version": version.version or None, "source": version.source, "at_least": version.at_least}


def _setting(setting: Setting) -> dict[str, Any]:
    # "variants" only where a branch sets the value, so that reports without branches keep their shape.
    variants = {"variants": [_variant(v) for v in setting.variants]} if setting.variants else {}
    return {
        "value": setting.value,
        "source": setting.source,
        "expr": setting.expr,
        "line": setting.span.line if setting.span else None,
        "env": setting.env,
        "note": setting.note,
        "via": setting.via,
        "parts": {name: _setting(part) for name, part in setting.parts} if setting.parts else None,
        "defined_at": setting.defined_at,
        "declared": [_declared(value, setting) for value in setting.declared] or None,
        **variants,
    }


def _variant(variant: Variant) -> dict[str, Any]:
    """One arm's value of a setting set in each branch, with its condition as written."""
    return {
        "condition": variant.condition,
        "value": variant.value,
        "source": variant.source,
        "line": variant.span.line if variant.span else None,  # in the file that writes the arm
        "defined_at": variant.defined_at,
    }


def _declared(value: DeclaredValue, setting: Setting) -> dict[str, Any]:
    """A value the repository gives the setting's variable: where, for which service, and if it is used."""
    return {
        "value": value.value,
        "defined_at": value.defined_at,
        "how": value.how,
        "kind": value.kind,
        "service": value.service or None,
        "used": setting.source == "env" and value.defined_at == setting.defined_at,
    }


def render_statistics(report: Report) -> str:
    """``--statistics --output-format json``: one object per rule that fired, the most frequent first."""
    from poolcheck.emit.text import statistics_counts

    rows = [
        {"code": rule, "name": name, "priority": priority, "count": count}
        for (rule, name, priority), count in statistics_counts(report)
    ]
    return json.dumps(rows, indent=2) + "\n"
