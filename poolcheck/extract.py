"""Run a front end on one candidate file within a time limit; every failure becomes an error entry."""

from __future__ import annotations

import importlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from types import FrameType

from poolcheck.frontends import FRONT_ENDS
from poolcheck.model import Candidate, ErrorKind, FileError, FileResult
from poolcheck.suppress import suppression_comments

DEFAULT_TIMEOUT = 5.0  # seconds for one file: a 2 MB Python file, the default size limit, takes about 2
# The largest limit accepted: a day is already no limit, and interval timers overflow on far larger ones.
MAX_TIMEOUT = 86_400.0
# The wall-clock backstop: this many times the CPU limit, and this many seconds more.
WALL_FACTOR, GRACE_WALL = 10, 30.0


class AnalysisTimeout(BaseException):
    """Raised by the CPU timer wherever a front end is; no ``except Exception`` eats this BaseException."""


def extract_candidate(candidate: Candidate, timeout: float | None = None) -> FileResult:
    """The candidate's pool sites and suppression comments, or the error that stopped its analysis.

    ``timeout`` bounds the analysis in seconds of CPU time where this thread can take
    SIGPROF (the main thread on POSIX); worker processes are also bounded by their parent.
    """
    front_end = next(fe for fe in FRONT_ENDS if fe.language == candidate.language)
    # Imported before the timer starts: an import cut short by it would leave a half-made module.
    importlib.import_module(front_end.module)
    try:
        with time_limit(timeout):
            if candidate.wrappers:
                result = front_end.extract_calls(candidate.path, candidate.wrappers)
            else:
                result = front_end.extract(candidate.path, candidate.data)
            if result.sites:
                result = replace(
                    result, suppressions=suppression_comments(candidate.data, front_end.language)
                )
    except AnalysisTimeout:
        return failed(candidate.path, timeout_message(timeout or 0), "timeout")
    except (RecursionError, MemoryError) as error:
        message = f"too deeply nested or too large to analyse ({type(error).__name__})"
        return failed(candidate.path, message, "parse")
    except Exception as error:  # a front-end bug met on one strange file must not stop the run
        message = f"internal error while analysing ({type(error).__name__}: {error}); please report it"
        return failed(candidate.path, message, "parse")
    return result


def failed(path: str, message: str, kind: ErrorKind) -> FileResult:
    """A file's result that is one error entry and nothing else."""
    return FileResult(path, errors=(FileError(path, message, kind),))


def timeout_message(timeout: float) -> str:
    """The same words whether the worker's timer or the parent stopped the file."""
    return f"analysis took more than {timeout:g} s of CPU time; file skipped (see --timeout)"


def backstop(timeout: float) -> float:
    """Wall-clock seconds after which a file is given up even if it used little CPU (a stall).

    Far beyond the CPU limit, so that no load short of a stall reaches it first.
    """
    return timeout * WALL_FACTOR + GRACE_WALL


def stall_message(timeout: float) -> str:
    return f"analysis ran {backstop(timeout):g} s without finishing; file skipped (see --timeout)"


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``AnalysisTimeout`` in the block after ``seconds`` of this process's CPU time.

    CPU time, not the clock: on a loaded machine, or with more jobs than cores, a
    file is given the same work before it times out, so the report does not depend
    on the load. A no-op where SIGPROF cannot be used. A profiling timer already set
    is put back afterwards, less the time spent here.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not seconds or not usable:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise AnalysisTimeout

    previous_handler = signal.signal(signal.SIGPROF, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        left, _ = signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous_handler)
        if previous_delay:
            spent = max(seconds - left, 0.0)
            signal.setitimer(signal.ITIMER_PROF, max(previous_delay - spent, 0.001), previous_interval)
