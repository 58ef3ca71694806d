"""The Python front end's cost per file: this checkout's against an earlier install's, in one run.

bench/run.py builds two Python trees, a dense one (every file builds an engine) and
one where no file holds a trigger token, and times on each, per file:

- front end: ``FrontEnd.extract`` on each file's bytes, the parser and the walk alone;
- pipeline: what a worker does with a file once it has read it: the prefilter
  (``data_candidate``) and, for a candidate, ``extract_candidate`` (the front end
  under the time limit, and the suppression comments of a file with sites). On the
  no-candidate tree this is the prefilter alone; the front end there is what the
  files would cost were they parsed.

Each poolcheck is timed in a process of its own, started with its interpreter
(``-I``: nothing from the environment or the current folder is imported), which
runs this file as a program: it reads every file first, so reading is not timed,
then answers each measurement named on its standard input with one pass over all
the files. The parent asks the processes in turn, round-robin, and compares medians.
A pass is timed in CPU seconds of its process, not by the clock: on a machine
busy with other work the clock counts the waits for a core, which differ from
one pass to the next far more than the work does.
Run as a program this file imports only the standard library and the poolcheck
of the interpreter it runs under.
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FRONT_END, PIPELINE = "front end alone (extract)", "as the pipeline does it"
MEASUREMENTS = {FRONT_END: "extract", PIPELINE: "pipeline"}  # row label -> the program's name for it
DENSE_TARGET = 1.3  # the front end may cost this many times the earlier one on the dense tree
NO_CANDIDATE_TARGET = 1.0  # and no more than it did on a tree without candidates
MIN_PASS = 0.2  # seconds: a pass over the tree quicker than this is timed over several rounds

# Fresh interpreter: the imports the prefilter needs (the front ends' trigger tables), then the parser's.
IMPORTS = """
import importlib, json, time
started = time.process_time()
import poolcheck.read
from poolcheck.frontends import FRONT_ENDS
prefilter = time.process_time()
importlib.import_module(next(fe for fe in FRONT_ENDS if fe.language == "python").module)
print(json.dumps([prefilter - started, time.process_time() - prefilter]))
"""


def serve(listing: Path) -> None:
    """The program: read the files ``listing`` names, then time one pass per measurement asked for."""
    import importlib

    import poolcheck
    from poolcheck.extract import DEFAULT_TIMEOUT, extract_candidate
    from poolcheck.frontends import FRONT_ENDS
    from poolcheck.model import Candidate, FileResult

    python = next(fe for fe in FRONT_ENDS if fe.language == "python")
    try:
        from poolcheck.read import data_candidate
    except ImportError:  # an install from before it (d8f99f0, say): the same prefilter, spelt out
        from poolcheck.read import is_candidate

        def data_candidate(path: str, data: bytes, front_end: Any) -> Candidate | FileResult:
            kept = is_candidate(data, front_end)
            return Candidate(path, front_end.language, data) if kept else FileResult(path)

    files = [(path, Path(path).read_bytes()) for path in json.loads(listing.read_text())]
    importlib.import_module(python.module)

    def pipeline(path: str, data: bytes) -> FileResult:
        outcome = data_candidate(path, data, python)
        return extract_candidate(outcome, DEFAULT_TIMEOUT) if isinstance(outcome, Candidate) else outcome

    passes: dict[str, Callable[[str, bytes], FileResult]] = {"extract": python.extract, "pipeline": pipeline}

    def one_pass(analyse: Callable[[str, bytes], FileResult], rounds: int) -> dict[str, float]:
        started = time.process_time()
        for _ in range(rounds):
            results = [analyse(path, data) for path, data in files]
        seconds = (time.process_time() - started) / rounds
        sites, errors = sum(len(r.sites) for r in results), sum(len(r.errors) for r in results)
        return {"seconds": seconds, "sites": sites, "errors": errors}

    # The warm-up fills the caches and pays the parser's first-use costs; a quick pass (the
    # prefilter's) is then timed over as many rounds as make it last MIN_PASS, as timeit does.
    rounds = {
        name: math.ceil(MIN_PASS / max(one_pass(analyse, 1)["seconds"], 1e-4))
        for name, analyse in passes.items()
    }
    candidates = sum(isinstance(data_candidate(path, data, python), Candidate) for path, data in files)
    about = {"poolcheck": str(Path(poolcheck.__file__).parent), "python": sys.version.split()[0]}
    print(json.dumps({**about, "candidates": candidates}), flush=True)
    for line in sys.stdin:
        name = line.strip()
        print(json.dumps(one_pass(passes[name], rounds[name])), flush=True)


def interpreter_of(command: str) -> Path | None:
    """The Python a poolcheck console script runs under: the one its ``#!`` line names, else the
    ``python`` beside it (a venv's ``bin``); None when neither is there."""
    script = Path(command)
    try:
        with script.open("rb") as stream:
            first = stream.readline().decode(errors="replace")
    except OSError:
        return None
    named = Path(first[2:].strip())
    if first.startswith("#!") and named.name.startswith("python") and named.exists():
        return named
    beside = script.parent / "python"
    return beside if beside.exists() else None


class Timer:
    """One poolcheck install's process running ``serve`` over the files of a listing."""

    def __init__(self, python: Path, listing: Path) -> None:
        self.process = subprocess.Popen(
            [str(python), "-I", str(Path(__file__).resolve()), str(listing)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=listing.parent,
        )
        self.about = self._answer()

    def one_pass(self, measurement: str) -> dict[str, float]:
        """Seconds of one pass over all the files, and the sites and errors it found."""
        assert self.process.stdin is not None
        self.process.stdin.write(MEASUREMENTS[measurement] + "\n")
        self.process.stdin.flush()
        return self._answer()  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait()

    def _answer(self) -> Any:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            _, error = self.process.communicate()
            raise RuntimeError(error.strip().splitlines()[-1] if error.strip() else "it ended")
        return json.loads(line)


@dataclass(frozen=True)
class Side:
    """One poolcheck install: "after" is this checkout's, "before" the one ``--against`` names."""

    label: str
    python: Path


Passes = dict[str, dict[str, list[dict[str, float]]]]  # side -> measurement -> one answer per repeat


def time_passes(sides: list[Side], listing: Path, repeat: int) -> tuple[Passes, dict[str, Any]]:
    """Every measurement of every side, round-robin ``repeat`` times; and what each side said it is.

    A side whose process fails (an install too old for this script) is reported and left out.
    """
    timers: dict[str, Timer] = {}
    try:
        for side in sides:
            try:
                timers[side.label] = Timer(side.python, listing)
            except RuntimeError as error:
                print(f"  ({side.label}: {side.python} could not be timed: {error})")
        passes: Passes = {label: {name: [] for name in MEASUREMENTS} for label in timers}
        for _ in range(repeat):
            for name in MEASUREMENTS:
                for label, timer in timers.items():
                    passes[label][name].append(timer.one_pass(name))
        return passes, {label: timer.about for label, timer in timers.items()}
    finally:
        for timer in timers.values():
            timer.close()


def time_imports(sides: list[Side], scratch: Path, repeat: int) -> dict[str, list[list[float]]]:
    """CPU seconds of the prefilter's imports and then the parser module's, each in a fresh interpreter."""
    times: dict[str, list[list[float]]] = {side.label: [] for side in sides}
    for warm_up in [True] + [False] * repeat:  # the first start may write bytecode caches
        for side in sides:
            done = subprocess.run(
                [str(side.python), "-I", "-c", IMPORTS],
                capture_output=True,
                text=True,
                cwd=scratch,
                check=False,
            )
            if done.returncode == 0 and not warm_up:
                times[side.label].append(json.loads(done.stdout))
    return {label: found for label, found in times.items() if found}


def spread(seconds: list[float]) -> float:
    """How far the repeats lie apart, as a share of their median."""
    return (max(seconds) - min(seconds)) / statistics.median(seconds)


def report_tree(label: str, files: int, megabytes: float, passes: Passes, about: dict[str, Any]) -> None:
    after = about["after"]
    found = {  # what the pipeline found in the tree, as each side reads it
        side: f"{int(measured[PIPELINE][-1]['sites'])} sites, {int(measured[PIPELINE][-1]['errors'])} errors"
        for side, measured in passes.items()
    }
    print(
        f"\nfront end per file, {label}: {files} files, {megabytes:.1f} MB, {after['candidates']} candidates"
    )
    for side, said in about.items():
        print(f"  {side:<7} poolcheck in {said['poolcheck']} (Python {said['python']}): {found[side]}")
    before = "before" in passes
    columns = f"{'before ms':>11}{'after / before':>16}" if before else ""
    print(f"  {'CPU per file':<28}{'after ms':>10}{'min':>8}{'max':>8}{columns}")
    for name in MEASUREMENTS:
        seconds = {side: [a["seconds"] / files for a in measured[name]] for side, measured in passes.items()}
        median = statistics.median(seconds["after"])
        row = f"  {name:<28}{median * 1000:>10.3f}{min(seconds['after']) * 1000:>8.3f}"
        row += f"{max(seconds['after']) * 1000:>8.3f}"
        if before:
            earlier = statistics.median(seconds["before"])
            noise = max(spread(seconds["after"]), spread(seconds["before"]))
            row += f"{earlier * 1000:>11.3f}{median / earlier:>15.2f}x  (repeats spread {noise:.0%})"
        print(row)


def report_targets(dense: Passes, sparse: Passes) -> None:
    """The ratios the front end is held to: dense per file, and the no-candidate tree's pipeline."""
    if "before" not in dense or "before" not in sparse:
        return
    print("\nfront end, after / before (one run's ratios of medians):")
    for tree, passes, name, target in (
        ("dense", dense, FRONT_END, DENSE_TARGET),
        ("dense", dense, PIPELINE, DENSE_TARGET),
        ("no-candidate", sparse, PIPELINE, NO_CANDIDATE_TARGET),
    ):
        after, before = (
            statistics.median(a["seconds"] for a in passes[side][name]) for side in ("after", "before")
        )
        ratio = after / before
        noise = max(spread([a["seconds"] for a in passes[side][name]]) for side in ("after", "before"))
        verdict = "met" if ratio <= target else "within noise" if ratio <= target + noise else "not met"
        print(
            f"  {tree}, {name}: {ratio:.3f}x "
            f"(target: at most {target:.1f}x; {verdict}, repeats spread {noise:.0%})"
        )


def report_imports(times: dict[str, list[list[float]]]) -> None:
    if "after" not in times:
        return
    medians = {
        side: [statistics.median(t[i] for t in found) for i in (0, 1)] for side, found in times.items()
    }
    after = medians["after"]
    print(f"\nfront end imports, a fresh interpreter, medians of {len(times['after'])}:")
    for i, what in enumerate(
        ("prefilter (poolcheck.read, trigger tables)", "parser module, once per worker")
    ):
        row = f"  {what:<44}{after[i] * 1000:>8.1f} ms"
        if "before" in medians:
            before = medians["before"]
            row += f"  before {before[i] * 1000:.1f} ms, {after[i] / before[i]:.2f}x"
        print(row)


def python_files(root: Path) -> tuple[Path, int, float]:
    """A listing of the tree's Python files for ``serve``, their number and their MB."""
    found = sorted(str(path) for path in root.rglob("*.py"))
    listing = root.parent / f"{root.name}.json"
    listing.write_text(json.dumps(found))
    return listing, len(found), sum(Path(path).stat().st_size for path in found) / 1e6


def front_end_benchmark(scratch: Path, files: int, repeat: int, against: str | None) -> None:
    """The dense and the no-candidate Python trees, this checkout's front end and ``against``'s."""
    from corpus import build_corpus

    sides = [Side("after", Path(sys.executable))]
    if against is not None:
        python = interpreter_of(against)
        if python is None:
            print(f"(no Python found for {against}: the front end is not compared with before)")
        else:
            sides.append(Side("before", python))
    dense = build_corpus(scratch / "front-end-dense", files, ("python",), pool_share=1.0)
    sparse = build_corpus(scratch / "front-end-none", files, ("python",), pool_share=0.0, lookalike_share=0.0)
    measured: list[Passes] = []
    for label, root in (("dense Python tree", dense), ("no-candidate Python tree", sparse)):
        listing, count, megabytes = python_files(root)
        passes, about = time_passes(sides, listing, repeat)
        if "after" not in passes:
            return
        report_tree(label, count, megabytes, passes, about)
        measured.append(passes)
    report_targets(*measured)
    report_imports(time_imports(sides, scratch, repeat))


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
