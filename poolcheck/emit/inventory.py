"""``--format inventory``: every pool with its effective settings, then each server's connection budget."""

from __future__ import annotations

from poolcheck.describe import provenance, quantity
from poolcheck.emit.escape import printable
from poolcheck.libraries import LIBRARIES
from poolcheck.model import Budget, Pool, Report

COLUMNS = (
    ("max", "max_connections"),
    ("min", "min_connections"),
    ("acquire", "acquire_timeout"),
    ("lifetime", "max_lifetime"),
    ("idle", "idle_timeout"),
    ("health", "health_check"),
)
NOT_A_KNOB = "-"


def render(report: Report) -> str:
    """A table a reviewer reads at a glance: values with a letter for their source, then the sums."""
    rows = [_header()] + [_row(pool) for pool in report.pools]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    parts = [
        f"Pools ({len(report.pools)})",
        "\n".join(lines),
        "Sources: w written, c constant, e env default, v env value declared in the repository, "
        "d library default, ? set at run time, x disabled; "
        "- the library has no such knob. Versions: from the file named; assumed: none found, the latest "
        "release's facts apply.",
    ]
    run_time = [line for line in map(_run_time, report.pools) if line]
    if run_time:
        parts.append("Set at run time (?):\n" + "\n".join(run_time))
    parts += [_budget(budget, report.pools) for budget in report.capacity]
    if not report.capacity:
        parts.append(
            "No database server limit found in the repository; give one with --server-max-connections N "
            "(or 'default' for PostgreSQL's 100) to sum the pools against it."
        )
    return "\n\n".join(parts) + "\n"


SOURCE_MARKS = {
    "explicit": "w",
    "constant": "c",
    "env-default": "e",
    "env": "v",
    "default": "d",
    "dynamic": "?",
    "disabled": "x",
}


def _header() -> list[str]:
    return ["location", "library", "version", "database", *(name for name, _ in COLUMNS)]


def _row(pool: Pool) -> list[str]:
    site = pool.site
    role = f" ({site.role.name})" if site.role.name != "service" else ""
    cells = [
        f"{printable(site.path)}:{site.span.line}{role}",
        site.library,
        _version(pool),
        site.database if site.pooled else f"{site.database} (no pool)",
    ]
    for _, concept in COLUMNS:
        setting = pool.settings.get(concept)
        if setting is None:
            cells.append(NOT_A_KNOB)
        elif setting.source == "dynamic":
            cells.append("?")
        else:
            shown = setting.note.split(" (", 1)[0] if setting.note else quantity(concept, setting.value)
            cells.append(f"{shown} {SOURCE_MARKS[setting.source]}")
    return cells


def _run_time(pool: Pool) -> str:
    """``  app/db.py:5  max by `settings.pool_size`; acquire by `cfg.timeout```: what each ? stands for."""
    columns: dict[str, list[str]] = {}  # one expression may set several (a **kwargs dict)
    for name, concept in COLUMNS:
        setting = pool.settings.get(concept)
        if setting is not None and setting.source == "dynamic":
            columns.setdefault(provenance(setting, "").removeprefix("set at run time "), []).append(name)
    if not columns:
        return ""
    known = "; ".join(f"{', '.join(names)} {how}" for how, names in columns.items())
    return f"  {printable(pool.site.path)}:{pool.site.span.line}  {printable(known)}"


def _version(pool: Pool) -> str:
    """``0.7.4 (Cargo.lock)``, ``>=0.7 (Cargo.toml)``, or ``0.8.6 assumed`` when no file names it."""
    version = pool.version
    if version is None or version.assumed:
        return f"{version.version} assumed" if version and version.version else "latest assumed"
    shown = f">={version.version}" if version.at_least else version.version
    return f"{printable(shown)} ({printable(version.source)})"


def _budget(budget: Budget, pools: tuple[Pool, ...]) -> str:
    server = budget.server
    lines = [
        f"Server {printable(server.where)}: max_connections {server.max_connections} - "
        f"{server.reserved} reserved"
        + (f" - {server.others_in_use} in use by other clients" if server.others_in_use else "")
        + f" = {server.available} available"
        if server.bouncer is None
        else f"{printable(server.where)}: max_client_conn {server.max_connections}"
    ]
    if server.in_use is not None:
        held = ", ".join(f"{printable(name)} {count}" for name, count in server.in_use) or "none"
        lines.append(f"  open now: {sum(n for _, n in server.in_use)} ({held})")
    for demand in budget.demands:
        site = demand.pool.site
        where = f"{printable(site.path)}:{site.span.line}"
        processes = demand.processes_from
        declared = f"{printable(processes.path)}:{processes.line}" if processes is not None else ""
        per_replica = f" x {demand.processes} processes ({declared})" if processes is not None else ""
        if demand.processes is None:
            lines.append(f"  {where}  unknown (a process per CPU, {declared}), not counted")
            continue
        if demand.maximum is None:
            setting = demand.pool.settings.get("max_connections")
            why = provenance(setting, LIBRARIES[site.library].name) if setting else "no maximum"
            lines.append(f"  {where}  unknown ({printable(why)}), not counted")
            continue
        replicas = (
            f"x {demand.replicas} replicas "
            f"({printable(demand.replicas_from.path)}:{demand.replicas_from.line})"
            if demand.replicas_from
            else "x 1 (no replica count declared)"
        )
        lines.append(f"  {where}  {demand.maximum} {replicas}{per_replica} = {demand.connections}")
    for bouncer in budget.bouncers:
        where = f"{printable(bouncer.path)}:{bouncer.line}"
        lines.append(f"  {where}  PgBouncer, towards the server: {bouncer.server_connections}")
    verdict = "EXCEEDED" if budget.exceeded else "fits"
    lines.append(f"  total {budget.total} of {server.available}: {verdict}")
    return "\n".join(lines)
