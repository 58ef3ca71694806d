"""Each pool's share of the budgets it counts in: the largest size that keeps every budget within bounds.

A budget's available connections (a server's max_connections less the reserved slots,
or a bouncer's max_client_conn) are divided among the pools it counts in proportion
to their current maxima: with ``A`` available and ``U`` used (each pool's maximum x
its replicas x its processes), a pool of maximum ``m`` may have ``floor(m x A / U)``.
Raising one pool to its share, or every pool to its own, keeps the sum within ``A``,
so following a recommendation never creates a capacity finding. Pools whose maximum
is not known are not counted, as in the budget itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from poolcheck.model import Budget, Ceiling


def ceilings(budgets: Sequence[Budget]) -> dict[int, Ceiling]:
    """By pool index: the tightest share over the budgets the pool counts in."""
    found: dict[int, Ceiling] = {}
    for budget in budgets:
        counted = [d for d in budget.demands if d.connections is not None and d.maximum is not None]
        used = budget.total
        available = budget.server.available
        for demand in counted:
            assert demand.maximum is not None and demand.connections is not None
            per_process = demand.replicas * (demand.processes or 1)
            if per_process <= 0:
                continue
            share = demand.maximum * available // used if used > 0 else available // per_process
            ceiling = Ceiling(
                connections=max(share, 0),
                per_process=per_process,
                others=used - demand.connections,
                reserved=budget.server.reserved,
                available=available,
                where=budget.server.where,
                bouncer=budget.server.bouncer is not None,
            )
            if demand.index not in found or ceiling.connections < found[demand.index].connections:
                found[demand.index] = ceiling
    return found
