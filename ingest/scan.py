"""The folder side of a sync: which files a folder holds (`scan_folder`), their hashes, their
catalog rows, and the writer lock that keeps one ingest at a time per store."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kb.errors import StoreError

CATALOG = "catalog.csv"
LOCK_NAME = "ingest.lock"  # in the store directory, held while a sync writes


@dataclass(frozen=True)
class FileState:
    key: str  # path relative to the folder, with forward slashes
    path: Path
    size: int
    mtime: float


def scan_folder(folder: Path, exclude: Path | None = None, prefix: str = "") -> dict[str, FileState]:
    """Every non-hidden file under `folder` (recursively) except catalog.csv, keyed by
    `prefix` + its path relative to the folder."""
    out: dict[str, FileState] = {}
    exclude = exclude.resolve() if exclude is not None else None
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and (exclude is None or (Path(dirpath) / d).resolve() != exclude))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if name.startswith(".") or rel == CATALOG:
                continue
            key = prefix + rel
            try:
                st = path.stat()
            except OSError:
                continue
            out[key] = FileState(key, path, st.st_size, st.st_mtime)
    return out


def is_folder_readme(key: str) -> bool:
    """README.md / README.txt / readme: documentation of the folder, not one of its papers."""
    return Path(key).stem.lower() == "readme"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def catalog_row(catalog: dict[str, dict], key: str) -> dict | None:
    """The catalog row for a file: by relative path, else by file name."""
    return catalog.get(key) or catalog.get(Path(key).name)


@contextmanager
def writer_lock(store_dir: Path) -> Iterator[None]:
    """One ingest at a time per store: two writers would each keep their own vector index. The
    lock is an flock, so the kernel releases it when its holder dies, even by kill -9."""
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
            raise StoreError(f'another `kb ingest` (pid {holder}) is writing to "{store_dir}"; wait for it to '
                             "finish or ingest into another --kb directory") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
