"""The one writer lock of a store directory, held by every process that changes it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.errors import StoreError

LOCK_NAME = "ingest.lock"  # in the store directory, held while a process writes


@contextmanager
def writer_lock(store_dir: Path) -> Iterator[None]:
    """One writer at a time per store (ingest, remove, upload): two writers would each keep their
    own vector index. The lock is an flock, so the kernel releases it when its holder dies, even
    by kill -9."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock
        yield
        return
    path = Path(store_dir) / LOCK_NAME
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise StoreError(f'another `kb ingest` or removal (pid {holder}) is writing to "{store_dir}"; wait for it to '
                             "finish or ingest into another --kb directory") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
