"""The capacity card's numbers (PC010): each pool's share of the budget, and the ways past the limit.

A budget over its limit is brought back by lowering each pool to its share (the same
``ceilings`` PC001's advice reads, so the two cards never disagree), by raising the
limit to what the pools may open, by putting PgBouncer in front of the server, or by
running fewer processes. Every way is given with its numbers, from the budget alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from poolcheck.capacity.bouncers import server_pools_for
from poolcheck.capacity.shares import ceilings
from poolcheck.cards.recommend import Target
from poolcheck.cards.solutions import solutions
from poolcheck.check import server_location
from poolcheck.describe import replica_sources
from poolcheck.emit.escape import markdown_code, markdown_path, markdown_prose
from poolcheck.model import Bouncer, Budget, Demand, Finding, Pool
from poolcheck.rule import amount

CodeOf = Callable[[Pool, Sequence[Target]], "tuple[str, str] | None"]  # (fence, code) of a change


@dataclass(frozen=True)
class PoolChange:
    """One pool lowered to its share: counted ``per_process`` times (replicas x processes)."""

    demand: Demand
    maximum: int
    share: int
    per_process: int
    code: tuple[str, str] | None  # (fence, rewritten construction), None where no knob says it

    @property
    def where(self) -> str:
        return f"{self.demand.pool.site.path}:{self.demand.pool.site.span.line}"


@dataclass(frozen=True)
class Advice:
    """What the capacity card adds to a system card: the sum, the ways out, and their checks."""

    table: str
    solutions: str
    recommended: str
    acceptance: tuple[str, ...]
    details: str


@dataclass(frozen=True)
class Way:
    """A way back under the limit, as a card's option."""

    name: str
    pros: str
    cons: str
    effort: str
    risk: str
    body: str


def pool_changes(budget: Budget, pools: Sequence[Pool], code_of: CodeOf) -> tuple[PoolChange, ...]:
    """The pools to lower and their new maximum: each pool's tightest share over every budget it
    counts in (as PC001 reads it), else its share of this budget."""
    own = ceilings([budget])
    factors: dict[int, int] = {}
    first: dict[int, Demand] = {}
    for demand in budget.demands:
        if demand.connections is None or demand.maximum is None:
            continue
        factors[demand.index] = factors.get(demand.index, 0) + demand.replicas * (demand.processes or 1)
        first.setdefault(demand.index, demand)
    changes = []
    for index, demand in first.items():
        assert demand.maximum is not None
        ceiling = pools[index].ceiling if index < len(pools) else None
        ceiling = ceiling or own.get(index)
        if ceiling is None or ceiling.connections >= demand.maximum:
            continue
        share = ceiling.connections
        code = code_of(pools[index], _targets(pools[index], share)) if share >= 1 else None
        changes.append(PoolChange(demand, demand.maximum, share, factors[index], code))
    return tuple(changes)


def _targets(pool: Pool, share: int) -> tuple[Target, ...]:
    """The new maximum, and a written minimum above it brought down with it (else PC007)."""
    wanted = [Target("max_connections", share)]
    minimum = amount(pool.settings.get("min_connections"))
    if minimum is not None and minimum > share:
        wanted.append(Target("min_connections", share))
    return tuple(wanted)


def production_code(tail: Callable[[Pool], tuple[str, ...]]) -> CodeOf:
    """The construction rewritten with the new values, as the pool's own card writes Option 1."""

    def code_of(pool: Pool, wanted: Sequence[Target]) -> tuple[str, str] | None:
        found = solutions(pool, tail(pool), wanted, None)
        if not found or found[0].code is None:
            return None
        return found[0].fence, found[0].code

    return code_of


def after(budget: Budget, changes: Sequence[PoolChange]) -> int:
    """The budget's total once every change is made."""
    lowered = {change.demand.index: change for change in changes}
    total = sum(b.server_connections for b in budget.bouncers)
    for demand in budget.demands:
        if demand.connections is None or demand.maximum is None:
            continue
        change = lowered.get(demand.index)
        size = change.share if change is not None else demand.maximum
        total += size * demand.replicas * (demand.processes or 1)
    return total


def sum_table(budget: Budget) -> str:
    """What counts against the limit, a row per pool (with its factors' sources) and per bouncer."""
    own = ceilings([budget])
    rows = [
        "| Pool | Maximum | Replicas | Processes per replica | Connections | Share that fits |",
        "|---|---|---|---|---|---|",
    ]
    for demand in budget.demands:
        site = demand.pool.site
        share = own.get(demand.index)
        counted = demand.connections is not None
        rows.append(
            f"| `{markdown_path(site.path)}:{site.span.line}` | "
            f"{demand.maximum if demand.maximum is not None else 'not known'} | "
            f"{_cell(replicas_words(demand))} | {_cell(processes_words(demand))} | "
            f"{demand.connections if counted else 'not counted'} | "
            f"{share.connections if share is not None and counted else ''} |"
        )
    for bouncer in budget.bouncers:
        rows.append(
            f"| PgBouncer `{markdown_path(bouncer.path)}:{bouncer.line}` | {_cell(bouncer_words(bouncer))} "
            f"| | | {bouncer.server_connections} | |"
        )
    server = budget.server
    limit = "max_client_conn" if server.bouncer is not None else "max_connections"
    reserved = f" - {server.reserved} reserved" if server.reserved else ""
    rows.append(
        f"| **Total** | | | | **{budget.total}** | of {server.available} "
        f"({limit} {server.max_connections}{reserved}) |"
    )
    return "\n".join(rows)


def bouncer_words(bouncer: Bouncer) -> str:
    pairs = bouncer.pairs_counted
    reserve = f" + {bouncer.reserve_pool_size} reserve" if bouncer.reserve_pool_size else ""
    return (
        f"default_pool_size {bouncer.default_pool_size}{reserve} x {pairs} database/user "
        f"pair{'s' if pairs != 1 else ''}"
    )


def replicas_words(demand: Demand) -> str:
    sources = replica_sources(demand)
    if not sources:
        return "1 (none declared)"
    return f"{demand.replicas} ({'; '.join(sources)})"


def processes_words(demand: Demand) -> str:
    processes = demand.processes_from
    if demand.processes is None:
        return "one per CPU (not counted)"
    if processes is None:
        return "1 (none declared)"
    return f"{demand.processes} ({processes.how}, {processes.path}:{processes.line})"


def ways(budget: Budget, changes: Sequence[PoolChange], floor: int) -> tuple[Way, ...]:
    """The ways back under the limit, the one to take first first: lowering the pools when none of
    them falls below the production floor it meets now (that would be a new PC001 finding), else
    raising the limit; for a bouncer's clients, raising max_client_conn (a client costs it little)."""
    lower = _lower(budget, changes, floor)
    raise_ = _raise(budget)
    others = [way for way in (_bouncer(budget), _fewer_processes(budget)) if way is not None]
    if lower is not None and not crossing(changes, floor) and budget.server.bouncer is None:
        return (lower, raise_, *others)
    return (raise_, *([lower] if lower is not None else []), *others)


def crossing(changes: Sequence[PoolChange], floor: int) -> list[PoolChange]:
    """The pools that meet the production floor now and would not at their share."""
    return [c for c in changes if c.share < floor <= c.maximum]


LOWER = "Lower each pool's maximum to its share"


def _lower(budget: Budget, changes: Sequence[PoolChange], floor: int) -> Way | None:
    if not changes:
        return None
    available = budget.server.available
    if any(change.share < 1 for change in changes):
        return None  # even one connection per process does not fit: the limit must move
    parts = []
    for change in changes:
        lead = (
            f"**`{markdown_path(change.where)}`**: maximum {change.maximum} -> {change.share} "
            f"(x {change.per_process}: {change.maximum * change.per_process} -> "
            f"{change.share * change.per_process} connections)"
        )
        if change.code is not None:
            fence, code = change.code
            parts.append(f"{lead}\n\n```{fence}\n{code}\n```")
        else:
            parts.append(f"{lead}; no knob of the construction says it: set it where the size is chosen")
    below = [markdown_path(c.where) for c in crossing(changes, floor)]
    cons = "Smaller pools queue sooner under load."
    if below:
        cons += (
            f" {', '.join(f'`{w}`' for w in below)} would fall below min-max-connections ({floor}): "
            f"PC001 then reports {'them' if len(below) > 1 else 'it'}, with the limit {floor} per pool "
            "would need."
        )
    total = after(budget, changes)
    parts.append(
        f"Afterwards the pools may open {total} of the {available} available; each share is the one "
        "PC001 reads (Technical Details)."
    )
    return Way(
        LOWER,
        "Fits without touching the server; one change per pool, where it is built.",
        cons,
        "Small (30 minutes)",
        "Low" if not below else "Medium: the pools are smaller than the production floor",
        "\n\n".join(parts),
    )


def _raise(budget: Budget) -> Way:
    server = budget.server
    needed = server.reserved + server.others_in_use + budget.total
    if server.bouncer is not None:
        return Way(
            f"Raise PgBouncer's max_client_conn to {budget.total}",
            "A client of PgBouncer costs it little memory; the server's connections do not change.",
            "Needs the bouncer's file descriptor limit (ulimit -n) above the clients it takes.",
            "Small (15 minutes)",
            "Low",
            f"Set `max_client_conn = {budget.total}` (now {server.max_connections}) at "
            f"{markdown_prose(server.where)}.",
        )
    return Way(
        f"Raise the server's max_connections to {needed}",
        "Every pool keeps its size; nothing changes in the services.",
        "Each connection is a server process (a few MiB each); a restart is needed; more connections "
        "than cores contend for CPU and locks.",
        "Small (15 minutes), plus a server restart",
        "Medium: check the server's memory for the extra backends",
        f"Set `max_connections = {needed}` (now {server.max_connections}: {server.reserved} reserved + "
        + (
            f"{server.others_in_use} in use by other clients on the server at the time of the run + "
            if server.others_in_use
            else ""
        )
        + f"{budget.total} the pools may open) at {markdown_prose(server.where)}.",
    )


def _bouncer(budget: Budget) -> Way | None:
    """PgBouncer in front of the server: the pools become its clients, the server sees its pools."""
    server = budget.server
    counted = [d for d in budget.demands if d.connections is not None]
    if server.bouncer is not None or not counted:
        return None
    existing = sum(b.server_connections for b in budget.bouncers)
    pairs = server_pools_for(tuple(dict.fromkeys(pair for d in counted for pair in d.pairs)))
    size = (server.available - existing) // pairs
    if size < 1:
        return None
    clients = sum(d.connections or 0 for d in counted)
    plural = "s" if pairs != 1 else ""
    return Way(
        f"Put PgBouncer in front with default_pool_size {size}",
        "The pools keep their sizes as clients; the server sees at most the bouncer's pools.",
        "One more service to run; transaction pooling breaks session state (prepared statements "
        "before PgBouncer 1.21, advisory locks, SET).",
        "Large (1 day)",
        "Medium",
        f"Run PgBouncer with `pool_mode = transaction`, `max_client_conn = {clients}` (what the pools "
        f"may open) and `default_pool_size = {size}` ({size} x {pairs} database/user pair{plural} = "
        f"{size * pairs}, within the {server.available - existing} left"
        + (f" beside the {existing} of the bouncers in front already" if existing else "")
        + "), and point the services' URLs at it.",
    )


def _fewer_processes(budget: Budget) -> Way | None:
    """Fewer processes per replica, one service at a time, the other pools unchanged."""
    available = budget.server.available
    lines = []
    seen = set()
    for demand in budget.demands:
        declared = demand.processes_from
        if demand.connections is None or declared is None or not demand.processes or demand.processes < 2:
            continue
        if (declared.path, declared.line) in seen:
            continue
        seen.add((declared.path, declared.line))
        assert demand.maximum is not None
        rest = budget.total - demand.connections
        fits = (available - rest) // (demand.maximum * demand.replicas) if available > rest else 0
        if 1 <= fits < demand.processes:
            lines.append(
                f"- {fits} processes instead of {demand.processes} ({declared.how}, "
                f"{markdown_code(f'{declared.path}:{declared.line}')}) for "
                f"{markdown_code(f'{demand.pool.site.path}:{demand.pool.site.span.line}')}: "
                f"{rest} + {demand.maximum} x {demand.replicas} x {fits} = "
                f"{rest + demand.maximum * demand.replicas * fits} of {available}"
            )
    if not lines:
        return None
    return Way(
        "Run fewer processes per replica",
        "The pools keep their sizes; fewer processes hold fewer connections.",
        "Less CPU parallelism per replica: more replicas (each counted) or threads may be needed.",
        "Small (15 minutes)",
        "Medium: fewer processes serve fewer requests at once",
        "Each alone fits, the other pools unchanged:\n\n" + "\n".join(lines),
    )


def way_text(number: int, way: Way) -> str:
    heading = f"### Option {number}: {way.name}" + (" (Recommended)" if number == 1 else "")
    return (
        f"{heading}\n\n- **Pros**: {way.pros}\n- **Cons**: {way.cons}\n- **Effort**: {way.effort}\n"
        f"- **Risk**: {way.risk}\n\n{way.body}"
    )


def _cell(text: str) -> str:
    return markdown_prose(text).replace("|", "\\|")


def budget_of(finding: Finding, budgets: Sequence[Budget]) -> Budget | None:
    """The exceeded budget a PC010 finding is about: the one located where the finding is."""
    for budget in budgets:
        path, span = server_location(budget)
        if budget.exceeded and (path, span.line) == (finding.path, finding.span.line):
            return budget
    return None


def advice(budget: Budget, pools: Sequence[Pool], floor: int, code_of: CodeOf) -> Advice:
    """The capacity card's sections for an exceeded budget."""
    changes = pool_changes(budget, pools, code_of)
    found = ways(budget, changes, floor)
    solutions_text = "\n\n".join(way_text(number, way) for number, way in enumerate(found, 1))
    first = found[0]
    server = budget.server
    recommended = f"**Option 1**: {first.name[0].lower()}{first.name[1:]}."
    if first.name != LOWER and any(way.name == LOWER for way in found):
        recommended += (
            " A client of PgBouncer costs little; lowering the pools is the other way."
            if server.bouncer is not None
            else " Lowering every pool to its share would fit too, but takes pools below "
            f"min-max-connections ({floor}), which PC001 then reports."
        )
    if first.name == LOWER:
        acceptance = [f"{markdown_code(c.where)} has a maximum of at most {c.share}" for c in changes]
    else:
        limit_name = "max_client_conn" if server.bouncer is not None else "max_connections"
        needed = budget.total + server.reserved + server.others_in_use
        acceptance = [f"`{limit_name}` is at least {needed} at {markdown_prose(server.where)}"]
    if server.bouncer is not None:
        limit = f"PgBouncer's max_client_conn ({server.available})"
    else:
        limit = f"max_connections minus the reserved slots ({server.available})"
    fixed = sum(b.server_connections for b in budget.bouncers)
    room = f"({server.available} - {fixed})" if fixed else f"{server.available}"
    shared = f"({budget.total} - {fixed})" if fixed else f"{budget.total}"
    kept = ", less the bouncers' server connections, which do not shrink with the pools" if fixed else ""
    details = (
        "**The arithmetic**: each pool counts its maximum x replicas x processes per replica; the sum "
        f"({budget.total}) must stay within {limit}. A pool's share is floor(maximum x {room} / "
        f"{shared}){kept}: every pool at its share keeps the sum within the limit, and PC001's advice "
        "never raises a pool past it."
    )
    return Advice(sum_table(budget), solutions_text, recommended, tuple(acceptance), details)
