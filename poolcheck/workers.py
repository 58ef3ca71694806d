"""Reading and extraction spread over worker processes, each file's analysis under a deadline.

The parent splits the discovered files into chunks of paths; a worker reads each
file once, prefilters it, and extracts the candidates, sending back only the
results that say something (sites or errors). Before each file a worker notes its
index, and before each extraction the time, in memory the parent shares; so when
a worker is stuck in C code (a parser) or dies, the parent knows which file did
it, ends that worker, reports the file, and gives the rest of the chunk to a
fresh worker. ``concurrent.futures`` cannot do this: an executor only breaks as
a whole. Workers are single-threaded and forked where the platform allows, so
they start in milliseconds with poolcheck already imported (but no parser).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from poolcheck.extract import backstop, extract_candidate, failed, stall_message, timeout_message
from poolcheck.frontends import FRONT_ENDS, FrontEnd, trees
from poolcheck.model import Candidate, ErrorKind, FileResult
from poolcheck.read import analyse_path, data_candidate, read_source

if TYPE_CHECKING:
    from poolcheck.forks import Channel, Child, Progress

# The worker's CPU timer bounds a file and reports it; the parent waits this much more CPU time
# before ending a worker that did not (stuck in C code, or with signals blocked).
GRACE = 1.0
# Below this many files one process is faster than starting workers (unless --jobs asks for them).
PARALLEL_FILES = 256
FIXED_PER_WORKER = 16  # fixed files read again: fewer than this per worker are cheaper in one
# Seconds between a worker's looks at its parent, where the kernel does not end it with the parent.
PARENT_CHECK = 0.5
PR_SET_PDEATHSIG = 1  # linux/prctl.h
# A worker's address space: a base for the interpreter and the parsers, and room for parsing (about
# 150 MB per MB of Python, read.py); a 60 MB file allowed by --max-file-size 100 took 7.75 GB.
MEMORY_BASE, MEMORY_PER_MB, MEMORY_FLOOR = 1 << 30, 300_000_000, 2 << 30
POLL = 0.05  # seconds: the shortest sleep of the parent between looks at its workers' CPU time
# The shared progress slots: the file being worked on, and when its extraction began, by the clock
# and in the worker's CPU time.
INDEX, STARTED, CPU_STARTED = 0, 1, 2
SLOTS = 3

# (index in the run's file list, path); or, for standard input, the candidate already read.
Chunk = list[tuple[int, str | Candidate]]


def available_cores() -> int:
    """The cores this process may run on (its affinity, in a container), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def analyse_files(
    files: Sequence[str],
    jobs: int | None,
    timeout: float | None,
    max_file_size: float,
    received: Callable[[FileResult], None] | None = None,
    kept: KeptWorkers | None = None,
    started: WorkerPool | None = None,
) -> list[FileResult]:
    """The results that say something (sites, errors), in the order of ``files``, whichever process
    analysed them: a run's other files, most of them, cost nothing past their reading.

    ``jobs`` None is one worker per available core, except for a small run, which
    is serial like ``jobs`` 1: in order, with one worker for the candidates. With workers,
    ``received`` is given each result that says something as it arrives, while they read on,
    and the workers are handed to ``kept``, if given, with the trees of the files with a pool.
    ``started``: workers started while the files were found (``EarlyWorkers``), ended here if
    the run turns out serial.
    """
    if jobs is None:
        jobs = available_cores() if len(files) >= PARALLEL_FILES else 1
    if jobs <= 1:
        if started is not None:
            started.close()
        return _serially(files, timeout, max_file_size)
    size = max(8, min(200, len(files) // (jobs * 16)))  # small enough to even out, big enough to be cheap
    indexed = list(enumerate(files))
    chunks: list[Chunk] = [list(indexed[start : start + size]) for start in range(0, len(indexed), size)]
    try:
        keep_trees = kept is not None
        pool = started or WorkerPool(min(jobs, len(chunks)), timeout, max_file_size, keep_trees=keep_trees)
    except OSError:  # no process could be started (a process limit, no memory): do the work here
        analysed = (analyse_path(path, timeout, max_file_size) for path in files)
        return [result for result in analysed if says_something(result)]
    if kept is not None:
        kept.pool = pool
        found = pool.analyse(chunks, received=received)
    else:
        with pool:
            found = pool.analyse(chunks, received=received)
    return [found[index] for index in sorted(found) if says_something(found[index])]


def says_something(result: FileResult) -> bool:
    """Has the file a pool site, an error, or a name other files may call a pool entry by?"""
    return bool(result.sites or result.errors or result.aliases)


def _serially(files: Sequence[str], timeout: float | None, max_file_size: float) -> list[FileResult]:
    """Read and prefilter here; extract the candidates one after another in a single worker.

    In a worker the time limit binds even in a parser's C code, which no signal
    interrupts, and the memory cap keeps one file from exhausting the machine. A
    run with no candidate (most pre-commit runs) starts no process.
    """
    read = [read_source(path, max_file_size) for path in files]
    candidates: Chunk = [
        (index, outcome.path) for index, outcome in enumerate(read) if isinstance(outcome, Candidate)
    ]
    found = _in_one_worker(candidates, read, timeout, max_file_size) if candidates else {}
    return [
        result
        for index, outcome in enumerate(read)
        if (result := found.get(index) if isinstance(outcome, Candidate) else outcome) is not None
        and says_something(result)
    ]


def analyse_candidates(
    candidates: Sequence[Candidate], timeout: float | None, max_file_size: float
) -> list[FileResult]:
    """Files already read, extracted one after another in a single worker, in the order given."""
    if not candidates:
        return []
    chunk: Chunk = list(enumerate(candidates))
    found = _in_one_worker(chunk, candidates, timeout, max_file_size)
    return [found.get(index) or FileResult(candidate.path) for index, candidate in enumerate(candidates)]


def analyse_data_bounded(
    shown: str, data: bytes, front_end: FrontEnd, timeout: float | None, max_file_size: float
) -> FileResult:
    """Bytes already read (standard input), prefiltered here and extracted in a worker, under the limit."""
    outcome = data_candidate(shown, data, front_end)
    if not isinstance(outcome, Candidate):
        return outcome
    return _in_one_worker([(0, outcome)], [outcome], timeout, max_file_size).get(0) or FileResult(shown)


def analyse_texts(
    texts: Iterable[tuple[str, bytes, FrontEnd]],
    count: int,
    timeout: float | None,
    max_file_size: float,
    kept: KeptWorkers | None = None,
) -> list[FileResult]:
    """Files' new bytes (a fix's), each read by its front end and extracted under the limit, in the
    order given; ``count`` of them, in a worker per core when there are many.

    ``texts`` is taken as the workers ask for more, so that making the next texts (a fix's edits)
    goes on in this process while the workers read the ones before. With the workers of the first
    reading (``kept``), each file goes to the one that holds its tree.
    """
    read: list[Candidate | FileResult] = []
    pool = kept.pool if kept is not None else None  # running already: worth it for a few files too
    jobs = pool.jobs if pool is not None else min(available_cores(), count // FIXED_PER_WORKER)
    size = max(1, count // (max(jobs, 1) * 16))  # as analyse_files: the last chunks even the workers out

    def chunks() -> Iterator[Chunk]:
        chunks: dict[object, Chunk] = {}  # by the worker holding the files' trees
        for shown, data, front_end in texts:
            read.append(data_candidate(shown, data, front_end))
            if isinstance(read[-1], Candidate):
                holder = pool.holder(shown) if pool is not None else None
                chunk = chunks.setdefault(holder, [])
                chunk.append((len(read) - 1, read[-1]))
                if len(chunk) >= size:
                    yield chunks.pop(holder)
        yield from chunks.values()

    found: dict[int, FileResult] = {}
    ahead = chunks()
    if pool is not None:
        found = pool.analyse([], ahead)
    elif jobs > 1:
        try:
            with WorkerPool(jobs, timeout, max_file_size) as fresh:
                found = fresh.analyse([], ahead)
        except OSError:  # no process could be started: one worker, or here
            jobs = 1
    if pool is None and jobs <= 1:
        for _ in ahead:  # the texts not made yet
            pass
        candidates: Chunk = [
            (index, outcome) for index, outcome in enumerate(read) if isinstance(outcome, Candidate)
        ]
        if candidates:
            found = _in_one_worker(candidates, read, timeout, max_file_size)
    return [
        outcome if isinstance(outcome, FileResult) else found.get(index) or FileResult(outcome.path)
        for index, outcome in enumerate(read)
    ]


def _in_one_worker(
    candidates: Chunk, read: Sequence[Candidate | FileResult], timeout: float | None, max_file_size: float
) -> dict[int, FileResult]:
    """The results that say something, by index, of the candidates extracted one after another in one
    worker (here, where no limit is asked or no process can start); ``read[index]`` is each candidate."""
    try:
        pool = WorkerPool(1, timeout, max_file_size) if timeout else None
    except OSError:  # no process could be started: extract here, where only the timer's signal binds
        pool = None
    if pool is None:
        return {
            index: extract_candidate(outcome, timeout)
            for index, outcome in enumerate(read)
            if isinstance(outcome, Candidate)
        }
    with pool:
        return pool.analyse([candidates])


@dataclass(eq=False)  # a worker is itself only: compared, hashed and found by identity
class _Worker:
    process: Child
    conn: Channel
    progress: Progress
    chunk: Chunk | None = None
    done: set[int] = field(default_factory=set)  # indexes of the chunk already reported


class EarlyWorkers:
    """Workers started while the files are still being found, as soon as there are enough of them for
    workers (``PARALLEL_FILES``), so that they load the parsers on the cores the walk leaves idle.

    Only where the job count is the default: one worker per core. ``found`` is told the files the
    walk finds (discover.py), of which only source files count; ``take`` hands the workers on, and
    leaving the ``with`` ends them if they were not taken.
    """

    def __init__(
        self, jobs: int | None, timeout: float | None, max_file_size: float, keep_trees: bool
    ) -> None:
        self._wanted = available_cores() if jobs is None else 1
        self._limits = (timeout, max_file_size)
        self._keep_trees = keep_trees
        self._sources = tuple(suffix for front_end in FRONT_ENDS for suffix in front_end.suffixes)
        self._found = 0  # source files: a compose file or postgresql.conf is not read by a worker
        self._pool: WorkerPool | None = None

    def found(self, files: Sequence[str]) -> None:
        if self._pool is not None or self._wanted <= 1:
            return
        self._found += sum(1 for path in files if path.endswith(self._sources))
        if self._found >= PARALLEL_FILES:
            try:
                keep_trees = self._keep_trees
                self._pool = WorkerPool(self._wanted, *self._limits, keep_trees=keep_trees, prepare=True)
            except OSError:  # analyse_files tries again, and then does the work here
                self._wanted = 1

    def take(self) -> WorkerPool | None:
        pool, self._pool = self._pool, None
        return pool

    def __enter__(self) -> EarlyWorkers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


class KeptWorkers:
    """The workers of a fixing run's first reading, kept with the trees of the files with a pool
    for reading the fixed texts again (frontends/trees.py); ended on leaving the ``with``."""

    def __init__(self) -> None:
        self.pool: WorkerPool | None = None  # None: the first reading started no workers

    def __enter__(self) -> KeptWorkers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None


class WorkerPool:
    """``jobs`` worker processes taking chunks of paths; results come back keyed by file index.

    With ``keep_trees``, each worker keeps the trees of the files with a pool it reads, and a
    chunk of their fixed texts goes to the worker that holds them (``holder``).
    """

    def __init__(
        self,
        jobs: int,
        timeout: float | None,
        max_file_size: float,
        keep_trees: bool = False,
        prepare: bool = False,
    ) -> None:
        self._timeout = timeout
        self._max_file_size = max_file_size
        self._keep_trees = keep_trees
        self._prepare = prepare  # the workers load every front end before their first chunk
        self._holders: dict[str, _Worker] = {}
        self._context: Any
        self._wait: Callable[[list[Channel], float | None], list[Channel]]
        if sys.platform == "linux":  # forked by hand: multiprocessing's import is slow (forks.py)
            from poolcheck import forks

            self._context, self._wait = forks, forks.wait
        else:  # here: a serial run never needs them
            from multiprocessing import connection, get_context

            self._context, self._wait = get_context(), connection.wait
        # Imported once here, for the forked workers to share, the library tables a candidate's front end
        # reads and a pool is judged by; a serial run with no candidate starts no worker and reads none.
        import poolcheck.libraries  # noqa: F401

        self._workers: list[_Worker] = []
        try:
            for _ in range(jobs):
                self._workers.append(self._start())
        except BaseException:
            self.close()
            raise

    def analyse(
        self,
        chunks: list[Chunk],
        more: Iterator[Chunk] | None = None,
        received: Callable[[FileResult], None] | None = None,
    ) -> dict[int, FileResult]:
        """The results that say something (sites or errors), by file index.

        ``more`` chunks are made here, one whenever none is pending (and, with kept trees, until an
        idle worker has one of its own), while the workers read; ``received`` is given each result
        as it arrives.
        """
        pending = deque(chunks)
        results: dict[int, FileResult] = {}
        while True:
            while more is not None and (not pending or self._idle_without_own(pending)):
                made = next(more, None)
                if made is None:
                    more = None
                else:
                    pending.append(made)
            for worker in self._workers:
                if worker.chunk is None and pending:
                    self._give(worker, self._take(pending, worker))
            busy = [w for w in self._workers if w.chunk is not None]
            if not busy and more is not None:
                continue  # the chunks made so far are read: make the next
            if not busy:
                # Every worker was lost and none could be started again: the rest is done here.
                for index, item in (item for chunk in pending for item in chunk):
                    results[index] = (
                        extract_candidate(item, self._timeout)
                        if isinstance(item, Candidate)
                        else analyse_path(item, self._timeout, self._max_file_size)
                    )
                return results
            # With none pending and more to make, only a look: the next chunk is made while they read.
            making = not pending and more is not None
            ready = self._wait([w.conn for w in busy], 0 if making else self._until_deadline(busy))
            for worker in busy:
                if worker.conn in ready:
                    self._receive(worker, results, pending, received)
                elif (why := self._overdue(worker)) is not None:
                    self._fail(worker, results, pending, why, "timeout")

    @property
    def jobs(self) -> int:
        return len(self._workers)

    def holder(self, path: str) -> _Worker | None:
        """The worker that keeps the file's tree, if one does."""
        worker = self._holders.get(path)
        return worker if worker in self._workers else None

    def _idle_without_own(self, pending: deque[Chunk]) -> bool:
        """Is a worker idle with no pending chunk of its own, nor of no one's? Then the next chunk is
        made for it, rather than it reading another's files from scratch."""
        if not self._keep_trees:
            return False
        holders = [self.holder(_path(chunk)) for chunk in pending]
        if any(holder is None for holder in holders):
            return False
        return any(w.chunk is None and w not in holders for w in self._workers)

    def _take(self, pending: deque[Chunk], worker: _Worker) -> Chunk:
        """The first pending chunk whose trees the worker holds, else of no one's, else the first."""
        # Only a fix's texts are held: chunks of paths are taken in order, with no search.
        if not self._holders or not isinstance(pending[0][0][1], Candidate):
            return pending.popleft()
        for wanted in (worker, None):
            for position, chunk in enumerate(pending):
                if self.holder(_path(chunk)) is wanted:
                    del pending[position]
                    return chunk
        return pending.popleft()

    def close(self) -> None:
        """End every worker: politely when idle, at once when busy (Ctrl-C, an error)."""
        for worker in self._workers:
            if worker.chunk is None:
                with contextlib.suppress(OSError):  # already gone
                    worker.conn.send(None)
            else:
                worker.process.kill()
        for worker in self._workers:
            worker.process.join(GRACE)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _start(self) -> _Worker:
        parent_end, child_end = self._context.Pipe()
        progress = self._context.Array("d", SLOTS, lock=False)
        process = self._context.Process(
            target=_serve,
            args=(
                child_end,
                progress,
                self._timeout,
                self._max_file_size,
                os.getpid(),
                self._keep_trees,
                self._prepare,
            ),
            daemon=True,
        )
        process.start()
        child_end.close()  # the parent keeps one end only, so a dead worker reads as end of file
        return _Worker(process, parent_end, progress)

    def _give(self, worker: _Worker, chunk: Chunk) -> None:
        worker.chunk, worker.done = chunk, set()
        worker.progress[INDEX], worker.progress[STARTED] = chunk[0][0], 0.0
        # Should it have died, the next wait reads its end of file and the chunk goes on elsewhere.
        with contextlib.suppress(OSError):
            worker.conn.send(chunk)

    def _until_deadline(self, busy: list[_Worker]) -> float | None:
        """Seconds until an extraction under way may be overdue (None: no limit, or none started).

        CPU time cannot run faster than the clock in a single-threaded worker, so the limit less
        the time since the file began is a safe time to sleep, and /proc is read only once that
        time is past the limit (most files take milliseconds: it is never read).
        """
        if not self._timeout:
            return None
        waits = [self._timeout]  # nothing under way may be overdue yet; look again within the limit
        for worker in busy:
            if worker.progress[STARTED]:
                elapsed = time.monotonic() - worker.progress[STARTED]
                left = self._timeout + GRACE - elapsed  # the least CPU time left
                if left <= 0:
                    left = backstop(self._timeout) + GRACE - elapsed
                    if (cpu := self._cpu_used(worker)) is not None:
                        left = min(left, self._timeout + GRACE - cpu)
                waits.append(left)
        return max(min(waits), POLL)

    def _overdue(self, worker: _Worker) -> str | None:
        """Why the worker's file is to be given up, if it is: CPU time over the limit, or a stall."""
        started = worker.progress[STARTED]
        if not self._timeout or not started or time.monotonic() - started <= self._timeout + GRACE:
            return None  # not even the clock is past the limit: the CPU time cannot be
        cpu = self._cpu_used(worker)
        if cpu is not None and cpu > self._timeout + GRACE:
            return timeout_message(self._timeout)
        if time.monotonic() - started > backstop(self._timeout) + GRACE:
            return stall_message(self._timeout)
        return None

    @staticmethod
    def _cpu_used(worker: _Worker) -> float | None:
        """The CPU time the worker's file has taken so far; None where it cannot be read."""
        cpu = _cpu_seconds(worker.process.pid)
        return None if cpu is None else cpu - worker.progress[CPU_STARTED]

    def _receive(
        self,
        worker: _Worker,
        results: dict[int, FileResult],
        pending: deque[Chunk],
        received: Callable[[FileResult], None] | None = None,
    ) -> None:
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if message is None:  # the chunk is done
                    worker.chunk = None
                    return
                index, result = message
                results[index] = result
                worker.done.add(index)
                if self._keep_trees and result.sites and not result.errors:
                    self._holders[result.path] = worker
                if received is not None:
                    received(result)
        except (EOFError, OSError):  # the worker died: a crash in a parser, or the out-of-memory killer
            worker.process.join(GRACE)
            message = f"analysis ended its worker process (exit code {worker.process.exitcode}); file skipped"
            self._fail(worker, results, pending, message, "parse")

    def _fail(
        self,
        worker: _Worker,
        results: dict[int, FileResult],
        pending: deque[Chunk],
        message: str,
        kind: ErrorKind,
    ) -> None:
        """Report the file the worker was on, hand the rest of its chunk on, and replace the worker."""
        assert worker.chunk is not None
        culprit = int(worker.progress[INDEX])
        if culprit not in worker.done:  # else it died between files, and none is to blame
            item = next(item for index, item in worker.chunk if index == culprit)
            results[culprit] = failed(item.path if isinstance(item, Candidate) else item, message, kind)
        rest = [
            (index, item) for index, item in worker.chunk if index not in worker.done and index != culprit
        ]
        if rest:
            pending.appendleft(rest)
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        position = self._workers.index(worker)
        try:
            self._workers[position] = self._start()
        except OSError:  # no process can be started now: go on with the workers left
            del self._workers[position]


def _serve(
    conn: Channel,
    progress: Progress,
    timeout: float | None,
    max_file_size: float,
    parent: int,
    keep_trees: bool = False,
    prepare: bool = False,
) -> None:
    """A worker: analyse each chunk of paths the parent sends, until it sends None or the parent goes.

    With ``keep_trees``, the trees of the files read from a path that hold a pool are kept, and a
    candidate sent again (a fixed text) is parsed from its file's tree. With ``prepare``, the front
    ends are loaded first, while the parent is still finding the files.
    """
    # Ctrl-C reaches the whole process group; the parent handles it and ends its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The parent turns SIGTERM and SIGHUP into a clean stop; forked, a worker would inherit that.
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), signal.SIG_DFL)
    _end_with_parent(parent)
    _cap_memory(max_file_size)
    if prepare:
        for front_end in FRONT_ENDS:
            # A front end that fails to load does so again at its first file, which reports it.
            with contextlib.suppress(Exception):
                importlib.import_module(front_end.module)
    while True:
        try:
            while not conn.poll(PARENT_CHECK):  # between chunks, see that the parent is still there
                if os.getppid() != parent:
                    return
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for index, item in chunk:
            progress[INDEX] = index
            result = item if isinstance(item, Candidate) else read_source(item, max_file_size)
            if isinstance(result, Candidate):
                keeping = keep_trees and not isinstance(item, Candidate)
                trees.keep(keeping)
                progress[CPU_STARTED], progress[STARTED] = time.process_time(), time.monotonic()
                result = extract_candidate(result, timeout)
                progress[STARTED] = 0.0
                if keeping and (result.errors or not result.sites):  # nothing there will be fixed
                    trees.forget(result.path)
            if says_something(result):
                conn.send((index, result))
        conn.send(None)


def _path(chunk: Chunk) -> str:
    """The path of a chunk's first file: a chunk's files share the worker holding their trees."""
    item = chunk[0][1]
    return item.path if isinstance(item, Candidate) else item


def _end_with_parent(parent: int) -> None:
    """Make this worker die with ``parent``, even in the middle of a file (a parser's C code).

    On Linux the kernel sends SIGKILL when the parent goes (``PR_SET_PDEATHSIG``); elsewhere
    a thread watches the parent's pid. Either way a parent that is killed, even by SIGKILL,
    leaves no worker behind holding its stdout.
    """
    if not _kill_me_with_parent():
        watcher = threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True)
        watcher.start()
    if os.getppid() != parent:  # gone before the kernel was told to end this worker with it
        os._exit(0)


def _kill_me_with_parent() -> bool:
    """Ask Linux for SIGKILL when the parent ends; False where that cannot be had."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK)
    os._exit(0)


def _cpu_seconds(pid: int | None) -> float | None:
    """The CPU time (user + system) process ``pid`` has used, from /proc; None where that cannot be read.

    The same total as ``time.process_time()`` in that process, to the clock tick.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _clock_ticks()
    except (OSError, IndexError, ValueError):
        return None


@cache
def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def memory_cap(max_file_size: float) -> int:
    """Bytes of address space a worker may take: room for parsing the largest file allowed, at most
    half the machine's memory, never less than ``MEMORY_FLOOR``."""
    wanted = MEMORY_BASE + int(max_file_size * MEMORY_PER_MB)
    with contextlib.suppress(AttributeError, OSError, ValueError):  # no sysconf, or it cannot say
        wanted = min(wanted, os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2)
    return max(wanted, MEMORY_FLOOR)


def _cap_memory(max_file_size: float) -> None:
    """Past the cap an allocation fails: a MemoryError (the file's error entry) or a dead worker."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    cap = memory_cap(max_file_size)
    with contextlib.suppress(OSError, ValueError):  # a lower hard limit already: keep it
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or hard > cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
