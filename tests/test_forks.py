"""The hand-made fork, pipes and shared array the workers use on Linux, against what multiprocessing gives."""

from __future__ import annotations

import os
import sys
import time

import pytest

from poolcheck import forks

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="workers fork by hand on Linux only")


def echo(conn: forks.Connection) -> None:
    """Send back each message until None."""
    while (message := conn.recv()) is not None:
        conn.send(message)


def started(target: object, *args: object) -> forks.Process:
    child = forks.Process(target=target, args=args)  # type: ignore[arg-type]
    child.start()
    return child


def test_messages_larger_than_a_pipe_go_both_ways_whole() -> None:
    parent, child_end = forks.Pipe()
    child = started(echo, child_end)
    child_end.close()
    big = {"text": "x" * 1_000_000, "numbers": list(range(50_000))}  # far past a pipe's 64 KB
    for message in (big, ("small", 1), b"\0" * 70_000):
        parent.send(message)
        assert parent.recv() == message
    parent.send(None)
    child.join(5)
    assert child.exitcode == 0
    parent.close()


def test_a_dead_child_reads_as_the_end_of_its_channel() -> None:
    parent, child_end = forks.Pipe()
    child = started(os._exit, 0)
    child_end.close()
    child.join(5)
    assert forks.wait([parent], 5) == [parent]
    assert parent.poll(0)
    with pytest.raises(EOFError):
        parent.recv()
    parent.close()


@pytest.mark.parametrize(
    ("target", "code"),
    [
        (lambda: None, 0),
        (lambda: sys.exit(3), 3),
        (lambda: sys.exit(), 0),
        (lambda: 1 / 0, 1),
        (lambda: os._exit(7), 7),
    ],
    ids=["returns", "sys.exit", "sys.exit()", "raises", "_exit"],
)
def test_exit_codes_are_multiprocessing_s(
    target: object, code: int, capfd: pytest.CaptureFixture[str]
) -> None:
    child = started(target)
    child.join(5)
    assert child.exitcode == code
    assert ("ZeroDivisionError" in capfd.readouterr().err) == (code == 1)


def test_a_killed_child_exits_with_minus_the_signal_and_join_waits_no_longer_than_asked() -> None:
    child = started(time.sleep, 30)
    before = time.monotonic()
    child.join(0.2)
    assert child.exitcode is None and child.is_alive()
    assert time.monotonic() - before < 5
    child.kill()
    child.join()
    assert child.exitcode == -9 and not child.is_alive()
    child.kill()  # reaped already: nothing to do


def fill(progress: forks.Progress, conn: forks.Connection) -> None:
    progress[0], progress[2] = 7.0, 0.25
    conn.send("filled")


def test_the_array_is_shared_with_the_child() -> None:
    progress = forks.Array("d", 3, lock=False)
    assert list(progress) == [0.0, 0.0, 0.0]
    parent, child_end = forks.Pipe()
    child = started(fill, progress, child_end)
    assert parent.recv() == "filled"
    assert list(progress) == [7.0, 0.0, 0.25]
    child.join(5)
    parent.close()


def test_wait_names_only_the_channels_with_a_message() -> None:
    quiet, quiet_child = forks.Pipe()
    talking, talking_child = forks.Pipe()
    talking_child.send("here")
    assert forks.wait([quiet, talking], 1) == [talking]
    assert forks.wait([quiet], 0) == []
    for end in (quiet, quiet_child, talking, talking_child):
        end.close()


def reads_stdin(conn: forks.Connection) -> None:
    conn.send(sys.stdin.read())


def test_a_child_reads_an_empty_stdin_even_when_the_parent_has_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run started with standard input closed has ``sys.stdin`` None: its workers still start."""
    monkeypatch.setattr(sys, "stdin", None)
    parent, child_end = forks.Pipe()
    child = started(reads_stdin, child_end)
    child_end.close()  # as the pool does: a child that dies reads as the end of the channel
    assert parent.recv() == ""
    child.join(5)
    assert child.exitcode == 0
    parent.close()


def test_a_fork_that_fails_leaves_no_descriptor_open(monkeypatch: pytest.MonkeyPatch) -> None:
    """A process limit (EAGAIN) is an OSError the pool handles; the child's pipe is closed."""

    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    before = set(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(os, "fork", refuse)
    with pytest.raises(OSError):
        forks.Process(target=print).start()
    assert set(os.listdir("/proc/self/fd")) == before
