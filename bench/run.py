"""Benchmark poolcheck against the cost of just reading the files, in one run.

    python bench/run.py --files 2000 --languages rust --pool-share 0
    python bench/run.py --files 2000 --languages python --pool-share 0,1
    python bench/run.py --tree path/to/checkout

Several --pool-share values build one tree each (0: no file is a candidate for
parsing; 1: every file builds a pool), all measured in the same run.

Each command runs ``--repeat`` times after one warm-up; medians are compared,
so the ratios hold on a noisy shared machine even when the seconds do not.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import build_corpus

SUFFIXES = (".rs", ".py")


def source_files(root: Path) -> list[str]:
    return sorted(str(p) for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())


def timed(command: list[str], repeat: int) -> float:
    """Median wall time of ``command`` over ``repeat`` runs, after one warm-up run."""
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def poolcheck_command() -> list[str]:
    script = shutil.which("poolcheck") or str(Path(sys.executable).parent / "poolcheck")
    return [script]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, help="benchmark this tree instead of a synthetic one")
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--languages", default="rust", help="comma-separated: rust,python")
    parser.add_argument(
        "--pool-share", default="0", help="share(s) of files that build a pool, comma-separated"
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="poolcheck-bench-") as scratch:
        languages = tuple(args.languages.split(","))
        shares = [float(share) for share in args.pool_share.split(",")]
        trees = (
            [(f"tree {args.tree}", args.tree)]
            if args.tree
            else [
                (
                    f"pool share {share:g}",
                    build_corpus(Path(scratch) / f"tree{i}", args.files, languages, share),
                )
                for i, share in enumerate(shares)
            ]
        )
        print(f"{'tree':<18}{'files':>7}{'MB':>7}{'cat s':>9}{'poolcheck s':>13}{'x cat':>8}")
        for label, root in trees:
            files = source_files(root)
            listing = Path(scratch) / "files.txt"
            listing.write_text("\0".join(files))
            megabytes = sum(os.path.getsize(f) for f in files) / 1e6
            cat = timed(["sh", "-c", f"xargs -0 cat < {listing} > /dev/null"], args.repeat)
            poolcheck = timed([*poolcheck_command(), "--quiet", "--exit-zero", str(root)], args.repeat)
            ratio = poolcheck / cat
            print(f"{label:<18}{len(files):>7}{megabytes:>7.1f}{cat:>9.3f}{poolcheck:>13.3f}{ratio:>8.1f}")


if __name__ == "__main__":
    main()
