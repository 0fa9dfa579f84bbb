"""Run a function over many inputs in forked worker processes, each call under a time limit.

A call that runs past the limit has its worker killed (and replaced); a worker that dies
(segfault, out of memory) fails only the call it was running. Results come back in the order
they finish. Workers die with their parent (Linux PR_SET_PDEATHSIG), so a kill -9 of the
ingest leaves no orphans parsing on.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import time
import traceback
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from kb.errors import KBError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What one call gave: `value` when ok, else a one-line `reason` (and a traceback for bugs)."""

    ok: bool
    value: Any = None
    reason: str = ""
    internal: bool = False  # an unexpected exception (a bug), not a user-facing KBError
    detail: str = ""  # traceback of an internal error


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: workers still exit on EOF of their pipe
        pass


def _worker(conn: Connection, parent_end: Connection, fn: Callable[..., Any]) -> None:
    parent_end.close()
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    while True:
        try:
            args = conn.recv()
        except (EOFError, OSError):
            return
        if args is None:
            return
        try:
            out = Outcome(True, fn(*args))
        except KBError as exc:
            out = Outcome(False, reason=str(exc))
        except Exception as exc:  # noqa: BLE001  (any reader bug fails this one file only)
            out = Outcome(False, reason=f"{type(exc).__name__}: {exc}", internal=True, detail=traceback.format_exc())
        try:
            conn.send(out)
        except (BrokenPipeError, OSError):
            return
        except Exception as exc:  # noqa: BLE001  (an unpicklable result)
            conn.send(Outcome(False, reason=f"result could not be sent back ({exc})", internal=True))


class _Slot:
    def __init__(self, ctx: Any, fn: Callable[..., Any]) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, self.conn, fn), daemon=True)
        self.proc.start()
        child.close()
        self.key: Hashable | None = None
        self.deadline = 0.0

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run_parallel(fn: Callable[..., Any], tasks: Iterable[tuple[Hashable, tuple]], workers: int = 2,
                 timeout: float | None = None) -> Iterator[tuple[Hashable, Outcome]]:
    """Yield (key, Outcome) for each (key, args) task as calls finish; fn(*args) runs in a worker."""
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    pending = list(tasks)
    pending.reverse()
    slots: list[_Slot] = []
    try:
        for _ in range(max(1, min(workers, len(pending)))):
            slots.append(_Slot(ctx, fn))
        while True:
            for s in slots:
                if s.key is None and pending:
                    s.key, args = pending.pop()
                    s.deadline = time.monotonic() + timeout if timeout and timeout > 0 else float("inf")
                    s.conn.send(args)
            busy = [s for s in slots if s.key is not None]
            if not busy:
                return
            wait_for = max(0.0, min(s.deadline for s in busy) - time.monotonic())
            ready = wait([s.conn for s in busy], timeout=None if wait_for == float("inf") else wait_for)
            now = time.monotonic()
            for i, s in enumerate(slots):
                if s.key is None:
                    continue
                key = s.key
                if s.conn in ready:
                    try:
                        out = s.conn.recv()
                    except (EOFError, OSError):
                        code = s.proc.exitcode if not s.proc.is_alive() else None
                        out = Outcome(False, reason=f"the reader process died (exit code {code})", internal=True)
                        slots[i] = _replace(s, ctx, fn)
                    else:
                        s.key = None
                    yield key, out
                elif now >= s.deadline:
                    slots[i] = _replace(s, ctx, fn)
                    yield key, Outcome(False, reason=f"timed out after {timeout:g} s")
    finally:
        for s in slots:
            s.stop(kill=s.key is not None)


def _replace(slot: _Slot, ctx: Any, fn: Callable[..., Any]) -> _Slot:
    slot.stop(kill=True)
    log.debug("worker %s replaced", slot.proc.pid)
    return _Slot(ctx, fn)


def cpu_workers(limit: int = 2) -> int:
    """Parsing workers: at most `limit`, fewer on a one-core machine."""
    return max(1, min(limit, os.cpu_count() or 1))
