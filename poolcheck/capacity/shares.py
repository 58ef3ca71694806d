"""Each pool's share of the budgets it counts in: the largest size that keeps every budget within bounds.

A budget's available connections (a server's max_connections less the reserved slots,
or a bouncer's max_client_conn) are divided among the pools it counts in proportion
to their current maxima: with ``A`` available and ``U`` used (each pool's maximum x
its replicas x its processes), a pool of maximum ``m`` may have ``floor(m x A / U)``.
Raising one pool to its share, or every pool to its own, keeps the sum within ``A``,
so following a recommendation never creates a capacity finding. The server connections
of the bouncers in front count whatever the pools' sizes: they are taken off ``A`` and
``U`` first. Pools whose maximum is not known are not counted, as in the budget itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from poolcheck.model import Budget, Ceiling


def ceilings(budgets: Sequence[Budget]) -> dict[int, Ceiling]:
    """By pool index: the tightest share over the budgets the pool counts in."""
    found: dict[int, Ceiling] = {}
    for budget in budgets:
        used = budget.total
        available = budget.server.available
        # A bouncer's server connections do not shrink with the pools: only the rest is shared.
        fixed = sum(b.server_connections for b in budget.bouncers)
        room, scaled = available - fixed, used - fixed
        # A pool that runs in several services counts once per service: its factors add up.
        maxima: dict[int, int] = {}
        factors: dict[int, int] = {}
        for demand in budget.demands:
            if demand.connections is None or demand.maximum is None:
                continue
            maxima[demand.index] = demand.maximum
            factors[demand.index] = factors.get(demand.index, 0) + demand.replicas * (demand.processes or 1)
        for index, maximum in maxima.items():
            per_process = factors[index]
            if per_process <= 0:
                continue
            share = maximum * room // scaled if scaled > 0 else room // per_process
            ceiling = Ceiling(
                connections=max(share, 0),
                per_process=per_process,
                others=used - maximum * per_process,
                reserved=budget.server.reserved,
                available=available,
                where=budget.server.where,
                bouncer=budget.server.bouncer is not None,
                in_use=budget.server.others_in_use,
            )
            if index not in found or ceiling.connections < found[index].connections:
                found[index] = ceiling
    return found
