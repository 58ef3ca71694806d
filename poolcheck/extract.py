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


class AnalysisTimeout(BaseException):
    """Raised by the alarm wherever a front end is; not an Exception, so no ``except Exception`` eats it."""


def extract_candidate(candidate: Candidate, timeout: float | None = None) -> FileResult:
    """The candidate's pool sites and suppression comments, or the error that stopped its analysis.

    ``timeout`` bounds the analysis in seconds where this thread can take SIGALRM
    (the main thread on POSIX); worker processes are also bounded by their parent.
    """
    front_end = next(fe for fe in FRONT_ENDS if fe.language == candidate.language)
    # Imported before the clock starts: an import cut short by the alarm would leave a half-made module.
    importlib.import_module(front_end.module)
    try:
        with time_limit(timeout):
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
    """The same words whether the worker's alarm or the parent stopped the file."""
    return f"analysis took longer than {timeout:g} s; file skipped (see --timeout)"


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``AnalysisTimeout`` in the block after ``seconds``; a no-op where SIGALRM cannot be used.

    An alarm already set (a test runner's, say) is put back afterwards, less the time spent here.
    """
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not seconds or not usable:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise AnalysisTimeout

    previous_handler = signal.signal(signal.SIGALRM, expire)
    previous_delay, previous_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        left, _ = signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:
            spent = seconds - left
            signal.setitimer(signal.ITIMER_REAL, max(previous_delay - spent, 0.001), previous_interval)
