"""Passwords written in the scanned code never reach a report: ``postgresql://admin:***@db/app``.

A pool is often built from a database URL in the code itself. Every output
quotes that code (frames, messages, issue cards, JSON ``expr``, the inventory),
and CI logs are read by many, so the report is redacted once, at the end of the
run, after the rules: fingerprints stay those of the code as written.
"""

from __future__ import annotations

import re
from dataclasses import replace

from poolcheck.model import Budget, FileError, Finding, Pool, PoolSite, Report, Setting

MASK = "***"
# scheme://user:password@host: the password ends at the last "@" before the host, as URL parsers read it.
URL_PASSWORD = re.compile(
    r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"`]*:)([^\s'\"`/]*)(@[^\s@/'\"`]*(?=[/\s'\"`?#]|$))"
)
PLACEHOLDER = re.compile(r"^\$?\{[^{}]*\}$")  # f"{password}", "${DB_PASSWORD}": no secret written
# password=... as a URL query parameter, or in a libpq conninfo string after another keyword.
QUERY_PASSWORD = re.compile(r"([?&](?:ssl)?password=)([^&\s'\"`#]+)", re.IGNORECASE)
CONNINFO_PASSWORD = re.compile(
    r"(\b(?:host|hostaddr|user|dbname|port)=\S*\s+(?:\w+=\S*\s+)*?password\s*=\s*)([^\s'\"`]+)",
    re.IGNORECASE,
)
# password="...", "password": "...", PASSWORD = '...': a literal secret in code or settings.
LITERAL_PASSWORD = re.compile(
    r"""(\b(?:[A-Za-z_]*_)?(?:password|passwd|pwd)["']?\s*[:=]\s*)(["'])([^"'\n]+)\2""", re.IGNORECASE
)


def redact(text: str) -> str:
    """``text`` with the passwords of database URLs, conninfo strings and password literals masked."""
    lowered = text.lower()
    if "://" not in lowered and "passw" not in lowered and "pwd" not in lowered:
        return text  # most code holds none: skip the expressions
    text = URL_PASSWORD.sub(_masked_url, text)
    text = QUERY_PASSWORD.sub(lambda m: m.group(1) + MASK, text)
    text = CONNINFO_PASSWORD.sub(lambda m: m.group(1) + MASK, text)
    return LITERAL_PASSWORD.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}{m.group(2)}", text)


def _masked_url(match: re.Match[str]) -> str:
    user, password, host = match.groups()
    return user + (MASK if password and not PLACEHOLDER.match(password) else password) + host


def _optional(text: str | None) -> str | None:
    return None if text is None else redact(text)


# Most code holds no password: what redaction leaves as it was is the same object, not a copy.


def redacted_setting(setting: Setting) -> Setting:
    """The setting with its expression, note and derivation redacted, its parts too."""
    expr, note, via = _optional(setting.expr), _optional(setting.note), _optional(setting.via)
    parts = tuple((name, redacted_setting(part)) for name, part in setting.parts)
    if (expr, note, via) == (setting.expr, setting.note, setting.via) and _same(parts, setting.parts):
        return setting
    return replace(setting, expr=expr, note=note, via=via, parts=parts)


def redacted_site(site: PoolSite) -> PoolSite:
    """The construction as written, with its passwords masked."""
    text = redact(site.text)
    lines = tuple(redact(line) for line in site.lines)
    knobs = tuple((name, redacted_setting(setting)) for name, setting in site.knobs)
    if text == site.text and lines == site.lines and _same(knobs, site.knobs):
        return site
    return replace(site, text=text, lines=lines, knobs=knobs)


def redacted_pool(pool: Pool) -> Pool:
    """The pool with its construction and settings masked; the rest (its budget share) kept."""
    site = redacted_site(pool.site)
    settings = {concept: redacted_setting(s) for concept, s in pool.settings.items()}
    if site is pool.site and all(settings[c] is s for c, s in pool.settings.items()):
        return pool
    return replace(pool, site=site, settings=settings)


def _same(redacted: tuple[tuple[str, Setting], ...], written: tuple[tuple[str, Setting], ...]) -> bool:
    return all(new is old for (_, new), (_, old) in zip(redacted, written, strict=True))


def redacted_report(report: Report) -> Report:
    """The report as every output shows it: no password of the scanned code in any string."""
    pools = tuple(redacted_pool(pool) for pool in report.pools)
    by_identity = {id(old): new for old, new in zip(report.pools, pools, strict=True)}
    return replace(
        report,
        pools=pools,
        findings=tuple(_finding(f, report.pools) for f in report.findings),
        errors=tuple(FileError(e.path, redact(e.message), e.kind) for e in report.errors),
        capacity=tuple(_budget(budget, by_identity) for budget in report.capacity),
    )


def _finding(finding: Finding, pools: tuple[Pool, ...]) -> Finding:
    """The finding with its message masked, and its span in the masked line where masking moved it."""
    message = redact(finding.message)
    masked = finding if message == finding.message else replace(finding, message=message)
    if finding.pool is None:
        return masked
    site, span = pools[finding.pool].site, finding.span
    index = span.line - site.span.line
    line = site.lines[index] if 0 <= index < len(site.lines) else ""
    if redact(line) == line:
        return masked

    def shown(column: int) -> int:  # the masks before a column are what moves it
        return len(redact(line[: column - 1])) + 1

    end = shown(span.end_column) if span.end_line == span.line else span.end_column
    return replace(masked, shown_span=replace(span, column=shown(span.column), end_column=end))


def _budget(budget: Budget, pools: dict[int, Pool]) -> Budget:
    demands = tuple(
        replace(demand, pool=pools.get(id(demand.pool)) or redacted_pool(demand.pool))
        for demand in budget.demands
    )
    return replace(budget, demands=demands)
