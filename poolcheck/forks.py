"""Worker processes forked by hand on Linux: two pipes and a shared array each, no multiprocessing.

The subset of multiprocessing's fork context that workers.py uses (``Pipe``, ``Array``,
``Process``, ``wait``), in the same shapes. Importing multiprocessing, with the tempfile,
socket and compression modules its connections bring, took 19 ms before a run's first worker
could fork, while the run's one process was still walking the tree. Elsewhere workers.py
uses multiprocessing itself, which spawns where forking is unsafe.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import pickle
import select
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

HEADER = 8  # bytes: a message's length, big-endian, before its pickle


class Channel(Protocol):
    """What the pool asks of a connection, this module's or multiprocessing's."""

    def fileno(self) -> int: ...
    def send(self, message: Any) -> None: ...
    def recv(self) -> Any: ...
    def poll(self, timeout: float | None = 0.0) -> bool: ...
    def close(self) -> None: ...


class Progress(Protocol):
    """What the pool asks of the shared numbers: this module's array or multiprocessing's."""

    def __getitem__(self, index: int, /) -> float: ...
    def __setitem__(self, index: int, value: float, /) -> None: ...


class Child(Protocol):
    """What the pool asks of a worker process, this module's or multiprocessing's."""

    @property
    def pid(self) -> int | None: ...
    @property
    def exitcode(self) -> int | None: ...
    def kill(self) -> None: ...
    def join(self, timeout: float | None = None) -> None: ...
    def is_alive(self) -> bool: ...


class Connection:
    """One end of a duplex channel: a pipe to read from and one to write to."""

    def __init__(self, reading: int, writing: int) -> None:
        self._reading, self._writing = reading, writing

    def fileno(self) -> int:
        return self._reading

    def send(self, message: object) -> None:
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        view = memoryview(len(data).to_bytes(HEADER, "big") + data)
        while view:
            view = view[os.write(self._writing, view) :]

    def recv(self) -> Any:
        """The next message; ``EOFError`` once the other end is closed (its process gone)."""
        size = int.from_bytes(self._read(HEADER), "big")
        return pickle.loads(self._read(size))

    def poll(self, timeout: float | None = 0.0) -> bool:
        """Is a message there (or the end of the channel), waiting up to ``timeout`` seconds for one?"""
        return bool(_ready([self._reading], timeout))

    def close(self) -> None:
        _close(*(fd for fd in (self._reading, self._writing) if fd >= 0))
        self._reading = self._writing = -1

    def _read(self, size: int) -> bytes:
        parts = []
        while size:
            part = os.read(self._reading, size)
            if not part:
                raise EOFError
            parts.append(part)
            size -= len(part)
        return b"".join(parts)


def Pipe() -> tuple[Connection, Connection]:  # multiprocessing's names, as the pool calls them
    """Two connected ends: what one sends, the other receives."""
    down_read, down_write = os.pipe()
    try:
        up_read, up_write = os.pipe()
    except BaseException:  # out of descriptors: the pool does without this worker
        _close(down_read, down_write)
        raise
    return Connection(up_read, down_write), Connection(down_read, up_write)


def Array(typecode: Literal["d"], size: int, lock: bool = False) -> memoryview[float]:
    """``size`` doubles, zeroed, in memory a forked child shares (``lock``: never, one writer each)."""
    shared = mmap.mmap(-1, size * 8)  # anonymous and shared: the child's writes are the parent's
    return memoryview(shared).cast(typecode)


def wait(connections: Sequence[Channel], timeout: float | None = None) -> list[Channel]:
    """The connections with a message (or their end) waiting, within ``timeout`` seconds."""
    ready = _ready([c.fileno() for c in connections], timeout)
    return [c for c in connections if c.fileno() in ready]


class Process:
    """A forked child that runs ``target(*args)`` and exits, with multiprocessing's exit codes: the
    target's ``sys.exit`` code, 1 for an exception, minus the signal that ended it."""

    def __init__(
        self, target: Callable[..., object], args: tuple[Any, ...] = (), daemon: bool = True
    ) -> None:
        self._target, self._args = target, args
        self.pid: int | None = None
        self.exitcode: int | None = None
        self._ended = -1  # the read end of a pipe only the child holds open: readable once it exits

    def start(self) -> None:
        ended, holding = os.pipe()
        try:
            pid = os.fork()
        except BaseException:  # a process limit: the pool does without this worker
            _close(ended, holding)
            raise
        if pid == 0:
            os.close(ended)
            _run(self._target, self._args)
        os.close(holding)
        self.pid, self._ended = pid, ended

    def kill(self) -> None:
        if self.pid is not None and self.exitcode is None:
            with contextlib.suppress(ProcessLookupError):  # reaped already
                os.kill(self.pid, signal.SIGKILL)

    def join(self, timeout: float | None = None) -> None:
        if self.pid is None or self.exitcode is not None:
            return
        if timeout is not None and not _ready([self._ended], timeout):
            return
        _, status = os.waitpid(self.pid, 0)
        self._reaped(status)

    def is_alive(self) -> bool:
        if self.pid is None or self.exitcode is not None:
            return False
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid == 0:
            return True
        self._reaped(status)
        return False

    def _reaped(self, status: int) -> None:
        self.exitcode = os.waitstatus_to_exitcode(status)
        os.close(self._ended)


def _run(target: Callable[..., object], args: tuple[Any, ...]) -> None:
    """The child: run the target and exit, never returning into the parent's code."""
    code = 1
    try:
        _quiet_stdin()
        target(*args)
        code = 0
    except SystemExit as end:
        code = 0 if end.code is None else end.code if isinstance(end.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # a closed or full stream: exiting all the same
                stream.flush()
        os._exit(code)


def _close(*fds: int) -> None:
    for fd in fds:
        os.close(fd)


def _quiet_stdin() -> None:
    """Standard input is the parent's: the child reads an empty one, as multiprocessing's children
    do. There may be none to close (a run started with it closed)."""
    if sys.stdin is not None:
        with contextlib.suppress(OSError, ValueError):
            sys.stdin.close()
    with contextlib.suppress(OSError):
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - the child's for its whole life


def _ready(fds: list[int], timeout: float | None) -> set[int]:
    """The descriptors among ``fds`` that can be read (or are at their end) within ``timeout`` seconds."""
    looking = select.poll()
    for fd in fds:
        looking.register(fd, select.POLLIN)
    wait = None if timeout is None else max(0, int(timeout * 1000 + 0.999))
    return {fd for fd, _ in looking.poll(wait)}
