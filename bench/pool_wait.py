"""The load model checked against a real PostgreSQL: measured acquire waits beside Erlang C's.

    python bench/pool_wait.py                      # the six points, a table on stdout
    python bench/pool_wait.py --plot docs/load-model.png   # and a plot (needs matplotlib)

A private server is started (tests/pgserver.py: initdb + pg_ctl in a temporary folder, loopback
only) and, for each point (N connections, R requests per second, h ms held), a pool of N real
connections serves an open-loop load: arrivals are a Poisson process at rate R, whatever the pool
does, and each request takes a connection from a FIFO queue, runs ``pg_sleep`` for a hold time
drawn from an exponential distribution of mean h, and gives it back. The measured probability of
waiting and the mean wait are compared with the M/M/c model of poolcheck/capacity/load.py. Every
point runs for a bounded time and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import queue
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from pgserver import private_server  # noqa: E402

from poolcheck.capacity.load import wait  # noqa: E402

# (connections, requests per second, hold in ms): utilisations from 0.5 to 0.9.
POINTS = [(2, 20, 50), (2, 32, 50), (5, 60, 50), (5, 85, 50), (10, 150, 50), (10, 180, 50)]
SECONDS = 20.0  # of load per point
WARM_UP = 2.0  # seconds of each point not measured, while the queue settles
WAITED = 0.0005  # seconds: a take longer than this waited (the queue's own cost is microseconds)


@dataclass(frozen=True)
class Measured:
    requests: int
    probability: float
    mean: float  # seconds, over every request


def measure(url: str, connections: int, rate: float, hold: float, seconds: float, seed: int) -> Measured:
    import psycopg

    idle: queue.Queue[psycopg.Connection] = queue.Queue()
    opened = [psycopg.connect(url, autocommit=True) for _ in range(connections)]
    for connection in opened:
        idle.put(connection)
    waits: list[float] = []
    lock = threading.Lock()
    rng = random.Random(seed)
    start = time.monotonic()

    def request(arrived: float, held: float) -> None:
        connection = idle.get()
        waited = time.monotonic() - arrived
        try:
            connection.execute("SELECT pg_sleep(%s)", (held,))
        finally:
            idle.put(connection)
        if arrived - start >= WARM_UP:
            with lock:
                waits.append(waited)

    # Enough threads that arrivals never wait for a thread, only for a connection.
    with ThreadPoolExecutor(max_workers=connections + int(rate * hold * 20) + 32) as executor:
        next_arrival = start
        while next_arrival - start < seconds:
            next_arrival += rng.expovariate(rate)
            pause = next_arrival - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            executor.submit(request, next_arrival, rng.expovariate(1 / hold))
    for connection in opened:
        connection.close()
    return Measured(len(waits), sum(w > WAITED for w in waits) / len(waits), statistics.fmean(waits))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=SECONDS, help="of load per point")
    parser.add_argument("--plot", type=Path, help="write a PNG of measured against modelled waits")
    args = parser.parse_args()
    rows = []
    with private_server(max_connections=50) as server:
        for number, (connections, rate, hold_ms) in enumerate(POINTS):
            hold = hold_ms / 1000
            model = wait(connections, rate, hold)
            found = measure(server.url(), connections, rate, hold, args.seconds, seed=number)
            rows.append((connections, rate, hold_ms, model, found))
    print(
        f"{'N':>3} {'R/s':>5} {'h ms':>5} {'util':>5} {'P(wait) model':>14} {'measured':>9} "
        f"{'mean wait ms model':>19} {'measured':>9} {'requests':>9}"
    )
    for connections, rate, hold_ms, model, found in rows:
        print(
            f"{connections:>3} {rate:>5} {hold_ms:>5} {model.utilisation:>5.2f} "
            f"{model.probability:>14.3f} {found.probability:>9.3f} "
            f"{model.mean * 1000:>19.1f} {found.mean * 1000:>9.1f} {found.requests:>9}"
        )
    if args.plot:
        plot(rows, args.plot)


def plot(rows: list[tuple[int, int, int, object, Measured]], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, (left, right) = pyplot.subplots(1, 2, figsize=(10, 4))
    labels = [f"N={n}\nutil {r * h / 1000 / n:.2f}" for n, r, h, _, _ in rows]
    positions = range(len(rows))
    for axes, attribute, scale, title in (
        (left, "probability", 1, "probability of waiting"),
        (right, "mean", 1000, "mean acquire wait (ms)"),
    ):
        axes.bar(
            [p - 0.2 for p in positions],
            [getattr(m, attribute) * scale for *_, m, _ in rows],
            0.4,
            label="Erlang C model",
        )
        axes.bar(
            [p + 0.2 for p in positions],
            [getattr(f, attribute) * scale for *_, f in rows],
            0.4,
            label="measured, real PostgreSQL",
        )
        axes.set_xticks(list(positions), labels)
        axes.set_title(title)
    left.legend()
    figure.suptitle("Pool of N connections, Poisson arrivals, exponential hold times of 50 ms")
    figure.tight_layout()
    figure.savefig(target, dpi=100)


if __name__ == "__main__":
    main()
