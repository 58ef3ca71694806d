"""How many connections a load needs: Little's law and the Erlang C (M/M/c) queue.

A pool of ``c`` connections serves requests arriving at ``rate`` per second, each
holding a connection for ``hold`` seconds. The offered load is ``a = rate x hold``
connections busy on average (Little's law); the pool can keep up only while
``a < c``. With Poisson arrivals and exponential hold times (M/M/c), a request
waits for a connection with the Erlang C probability, and the mean wait over all
requests is ``P(wait) x hold / (c - a)``. Real hold times vary less than
exponential ones, so real waits are shorter: the model errs on the safe side.
docs/load-model.md has the derivation and a check against a real server.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

MAX_CONNECTIONS = 100_000  # a search for the size that fits stops here


@dataclass(frozen=True)
class Wait:
    """What requests see at one pool size: how often they wait, and for how long on average."""

    connections: int
    utilisation: float  # a / c; 1 or more: the queue grows without bound
    probability: float  # of waiting at all
    mean: float  # seconds, over every request (most wait 0)

    @property
    def unbounded(self) -> bool:
        return self.utilisation >= 1


def offered_load(rate: float, hold: float) -> float:
    """Connections busy on average: arrivals per second times seconds held (Little's law)."""
    return rate * hold


def erlang_c(connections: int, load: float) -> float:
    """The probability that a request waits, with ``load`` erlangs offered to ``connections``.

    From Erlang B's recurrence, which stays within floating point for any size:
    B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)); C = c B / (c - a (1 - B)).
    """
    if load <= 0:
        return 0.0
    if load >= connections:
        return 1.0
    blocking = 1.0
    for k in range(1, connections + 1):
        blocking = load * blocking / (k + load * blocking)
    return connections * blocking / (connections - load * (1 - blocking))


def wait(connections: int, rate: float, hold: float) -> Wait:
    """The waits at ``connections`` for ``rate`` requests per second each holding ``hold`` seconds."""
    load = offered_load(rate, hold)
    utilisation = load / connections if connections > 0 else math.inf
    if utilisation >= 1:
        return Wait(connections, utilisation, 1.0, math.inf)
    probability = erlang_c(connections, load)
    return Wait(connections, utilisation, probability, probability * hold / (connections - load))


def connections_needed(rate: float, hold: float, acceptable_wait: float) -> int:
    """The smallest pool whose mean acquire wait is within ``acceptable_wait`` seconds.

    The search starts where the pool can keep up at all (just above the offered load)
    and the wait only falls as connections are added.
    """
    load = offered_load(rate, hold)
    size = max(1, math.floor(load) + 1)
    while size < MAX_CONNECTIONS and wait(size, rate, hold).mean > acceptable_wait:
        size += 1
    return size


@dataclass(frozen=True)
class Load:
    """A service's peak load, as ``[load]`` declares it: in all, over every replica and process."""

    requests_per_second: float
    hold: float  # seconds a request holds its connection
    acceptable_wait: float  # seconds of mean acquire wait

    def per_pool(self, pools: int) -> float:
        """The requests each of ``pools`` (replicas x processes) serves."""
        return self.requests_per_second / max(pools, 1)

    def needed(self, pools: int) -> int:
        return connections_needed(self.per_pool(pools), self.hold, self.acceptable_wait)


def declared_load(options: Mapping[str, float]) -> Load | None:
    """The load PC001's ``load-*`` options declare, or None when no rate is given."""
    rate = options.get("load-requests-per-second", 0)
    hold = options.get("load-hold-ms", 0)
    if rate <= 0 or hold <= 0:
        return None
    return Load(rate, hold / 1000, options.get("load-acceptable-wait-ms", 5) / 1000)
