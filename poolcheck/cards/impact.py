"""The numbers a card shows for a recommended change: queueing, waiting requests, reconnects, memory.

Every figure is computed from the pool's effective settings, the recommended value
and the server facts in ``poolcheck.server``; the two assumptions are named below
and stated on the card.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from poolcheck.capacity.load import Load, offered_load, wait
from poolcheck.cards.recommend import Target, amount_of
from poolcheck.describe import described, quantity, value_words
from poolcheck.emit.escape import markdown_code
from poolcheck.model import Pool
from poolcheck.rule import amount
from poolcheck.server import SERVERS, ServerDefaults

# What an exhausted pool does where the library has no acquire timeout to set (LIBRARIES.md).
EXHAUSTED = {
    "psycopg2": "fail at once: getconn() raises PoolError when every connection is in use",
    # Pool._acquire (asyncpg 0.32.0 pool.py) awaits the queue without a deadline when timeout is None.
    "asyncpg": (
        "keep waiting: asyncpg has no pool-level acquire timeout, and pool.acquire() waits forever "
        "unless it is given timeout="
    ),
}
REFUSING = frozenset({"psycopg2"})  # pools that never queue a request
# Of a request's time, the share spent holding a connection, as the original review assumed.
SHARE_HOLDING_CONNECTION = 0.5
ARRIVALS_PER_SECOND = 100  # the example request rate for the pile-up figures


@dataclass(frozen=True)
class Server:
    """The server a pool talks to, as far as the code says: known, or assumed to be PostgreSQL."""

    defaults: ServerDefaults
    assumed: bool  # the pool's database is unknown; figures are "if the server is PostgreSQL"

    def on(self) -> str:
        name = self.defaults.name
        return f"If the server is {name}," if self.assumed else f"On {name},"


def server_for(pool: Pool) -> Server | None:
    database = pool.site.database
    if database in SERVERS:
        return Server(SERVERS[database], assumed=False)
    if database == "unknown":
        return Server(SERVERS["postgres"], assumed=True)
    return None


def impact(pool: Pool, target: Target, size: int | None, load: Load | None = None) -> str:
    """Markdown for one recommended change, or "" when it has no figures; ``size`` is the pool's
    maximum after the change, when known. With a declared ``load``, the pool's size is judged by
    the waits at that load instead of the assumed share of a request's time.
    """
    if load is not None and target.concept == "max_connections":
        return _pool_size_at_load(pool, target, load, server_for(pool))
    figures = IMPACTS.get(target.concept)
    return figures(pool, target, size, server_for(pool)) if figures else ""


def _pool_size(pool: Pool, target: Target, size: int | None, server: Server | None) -> str:
    setting = pool.settings.get("max_connections")
    current = amount(setting)
    unbounded = setting is not None and setting.unbounded
    wanted = int(target.value)
    levels = sorted(
        {*([int(current) * 2] if current and current > 0 else []), wanted * 2, wanted * 5, wanted * 10}
    )
    # A CPU-dependent or run-time size has no "now" column: its capacity is not known here.
    known = current is not None or unbounded
    now = "no limit" if unbounded else quantity("max_connections", current)
    header = "| Concurrent requests | Connections needed |" + (f" Now ({now}) |" if known else "")
    rows = [header + f" Recommended ({wanted}) |", "|---|---|" + ("---|" if known else "") + "---|"]
    for level in levels:
        needed = math.ceil(level * SHARE_HOLDING_CONNECTION)
        cells = [str(level), str(needed)]
        refuses = pool.site.library in REFUSING
        if known:
            cells.append(_outcome(needed, current, server, refuses))
        cells.append(_outcome(needed, wanted, server, refuses))
        rows.append("| " + " | ".join(cells) + " |")
    wait = pool.settings.get("acquire_timeout")
    waited = amount(wait)
    if wait is not None and waited is not None and waited > 0:
        until = f"fail once they have waited {described('acquire_timeout', wait, pool.site.library)}"
    elif wait is not None and wait.source == "dynamic":
        until = f"fail after the acquire timeout, {value_words('acquire_timeout', wait, markdown_code)}"
    elif waited is not None:
        until = "fail at once (the acquire timeout is not positive)"
    else:
        until = EXHAUSTED.get(pool.site.library, "wait as long as the library lets them")
    text = [
        "\n".join(rows),
        f"Connections needed assumes each request holds a connection for "
        f"{SHARE_HOLDING_CONNECTION:.0%} of its time; requests beyond the pool's size "
        + ("" if pool.site.library in REFUSING else "wait for a free connection and ")
        + f"{until}.",
    ]
    if server is not None:
        text.append(_memory(server, current, wanted))
    return "\n\n".join(text)


def _memory(server: Server, current: float | None, wanted: int) -> str:
    per = server.defaults.idle_backend_mib
    shown = f"{current:g} connections ≈ {current * per:g} MiB, " if current else ""
    return (
        f"{server.on()} each connection is a server process holding about {per:g} MiB when idle "
        f"(plus `work_mem`, {server.defaults.work_mem_mb} MB by default, per sort or hash while a "
        f"query runs): {shown}{wanted} ≈ {wanted * per:g} MiB. A default server accepts "
        f"{server.defaults.max_connections} connections, {server.defaults.usable_connections} for "
        "ordinary roles, shared by every pool of every service and replica."
    )


def _pool_size_at_load(pool: Pool, target: Target, load: Load, server: Server | None) -> str:
    """The waits at the declared load, now and at the recommended size (Erlang C)."""
    pools = pool.ceiling.per_process if pool.ceiling is not None else 1
    rate = load.per_pool(pools)
    current = amount(pool.settings.get("max_connections"))
    sizes = [("Now", int(current))] if current and current > 0 else []
    sizes.append(("Recommended", int(target.value)))
    rows = ["| Pool size | Busy on average | Requests that wait | Mean acquire wait |", "|---|---|---|---|"]
    for label, size in sizes:
        found = wait(size, rate, load.hold)
        waits = "all: the queue grows" if found.unbounded else f"{found.probability:.0%}"
        mean = "unbounded" if found.unbounded else f"{found.mean * 1000:.1f} ms"
        rows.append(f"| {label} ({size}) | {offered_load(rate, load.hold):.3g} | {waits} | {mean} |")
    share = f" ({load.requests_per_second:g} over {pools} pools)" if pools > 1 else ""
    text = [
        "\n".join(rows),
        f"At the declared peak of {rate:g} requests a second{share}, each holding a connection "
        f"{load.hold * 1000:g} ms, with arrivals at random (Erlang C; see docs/load-model.md in "
        "poolcheck): the acceptable mean wait is "
        f"{load.acceptable_wait * 1000:g} ms.",
    ]
    if server is not None:
        text.append(_memory(server, current, int(target.value)))
    return "\n\n".join(text)


def _outcome(needed: int, capacity: float | None, server: Server | None, refuses: bool = False) -> str:
    if capacity is None:  # no upper bound: the pool opens whatever is asked for
        usable = server.defaults.usable_connections if server else None
        if usable is not None and needed > usable:
            return f"**Server full**: {needed - usable} refused"
        return f"opens {needed}"
    if capacity <= 0:
        return "**Every acquire fails**"
    if needed <= capacity:
        return "OK"
    waiting = needed - int(capacity)
    if refuses:
        return f"**Errors**: {waiting} refused"
    if needed <= 2 * capacity:
        return f"**Queueing**: {waiting} wait"
    return f"**Timeouts likely**: {waiting} wait"


def _acquire_wait(pool: Pool, target: Target, size: int | None, server: Server | None) -> str:
    setting = pool.settings.get("acquire_timeout")
    current = amount(setting)
    wanted = float(target.value)
    rate = ARRIVALS_PER_SECOND
    after = quantity("acquire_timeout", wanted)
    if setting is not None and setting.source == "dynamic":
        now = f"waits as long as the acquire timeout {value_words('acquire_timeout', setting, markdown_code)}"
        piled = f"{rate * wanted:,.0f} wait at any moment with the change"
    elif current is None:
        now = (
            "waits without limit for a connection, so the queue of waiting requests grows for as "
            "long as the overload lasts"
        )
        piled = f"{rate * wanted:,.0f} with the change"
    elif current <= 0:
        return ""
    else:
        now = f"waits up to {quantity('acquire_timeout', current)} for a connection before it fails"
        piled = (
            f"up to {rate * current:,.0f} requests wait at any moment now, "
            f"{rate * wanted:,.0f} with the change"
        )
    return (
        f"When the pool is exhausted a request {now}; with {after} it fails after {after}, in time "
        f"to retry elsewhere or shed load. At {rate} requests per second into an exhausted pool, "
        f"{piled} (arrivals times wait)."
    )


def _lifetime(pool: Pool, target: Target, size: int | None, server: Server | None) -> str:
    setting = pool.settings.get("max_lifetime")
    wanted = float(target.value)
    if setting is not None and setting.unbounded:
        now = "Now connections are never replaced: they live until they break."
    elif setting is not None and setting.value == wanted:
        now = (
            f"{quantity('max_lifetime', wanted)} is the {pool.site.library} default today; written "
            "explicitly it is a choice, kept when the default changes."
        )
    elif setting is not None:
        now = f"Now {described('max_lifetime', setting, pool.site.library)}."
    else:
        now = ""
    if not size:
        return now
    reconnects = size * 3600 / wanted
    return (
        f"{now} With {quantity('max_lifetime', wanted)}, every connection is replaced at least that "
        f"often: for a pool of {size} that is about {reconnects:g} reconnects an hour, one every "
        f"{wanted / size:.0f} s on average, cheap next to the failover and proxy problems it prevents."
    ).strip()


def _idle(pool: Pool, target: Target, size: int | None, server: Server | None) -> str:
    setting = pool.settings.get("idle_timeout")
    wanted = quantity("idle_timeout", target.value)
    if setting is None or setting.unbounded:
        text = (
            "After a burst, idle connections above the minimum are never closed; with the change, "
            f"after {wanted}."
        )
    elif setting.value == target.value:
        text = (
            f"After a burst, idle connections above the minimum are closed after {wanted}, the "
            f"{pool.site.library} default today; written explicitly it is a choice, kept when the "
            "default changes."
        )
    elif setting.source == "dynamic":
        text = (
            "After a burst, idle connections above the minimum are closed after the idle timeout "
            f"{value_words('idle_timeout', setting, markdown_code)}; {wanted} with the change."
        )
    else:
        now = quantity("idle_timeout", setting.value)
        text = (
            f"After a burst, idle connections above the minimum are closed after {now} now, "
            f"{wanted} with the change."
        )
    if size and server is not None:
        per = server.defaults.idle_backend_mib
        text += (
            f" {server.on()} an idle connection holds about {per:g} MiB: up to {size * per:g} MiB "
            f"for the full pool of {size} until they are closed."
        )
    return text


def _warm_floor(pool: Pool, target: Target, size: int | None, server: Server | None) -> str:
    floor = amount_of(target.value)
    if not floor:
        return ""
    text = (
        f"{floor:g} connections stay open between bursts, so the first {floor:g} concurrent requests "
        "after a quiet period skip opening one (a TCP and TLS handshake plus authentication each)."
    )
    if server is not None:
        text += f" {server.on()} that costs about {floor * server.defaults.idle_backend_mib:g} MiB."
    return text


IMPACTS: dict[str, Callable[[Pool, Target, int | None, Server | None], str]] = {
    "max_connections": _pool_size,
    "acquire_timeout": _acquire_wait,
    "max_lifetime": _lifetime,
    "idle_timeout": _idle,
    "min_connections": _warm_floor,
}
