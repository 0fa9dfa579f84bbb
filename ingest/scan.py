"""The folder side of a sync: which files a folder holds (`scan_folder`), their hashes, their
catalog rows."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

CATALOG = "catalog.csv"


@dataclass(frozen=True)
class FileState:
    key: str  # path relative to the folder, with forward slashes
    path: Path
    size: int
    mtime: float


def scan_folder(folder: Path, exclude: Path | None = None, prefix: str = "",
                skipped: list[tuple[str, str]] | None = None) -> dict[str, FileState]:
    """Every non-hidden regular file under `folder` (recursively) except catalog.csv, keyed by
    `prefix` + its path relative to the folder. Left out, each with its reason in `skipped`:
    a symbolic link to a file outside the folder (it would read whatever the link names), a
    FIFO, device or socket (reading one can block for ever), a name that is not valid UTF-8."""
    out: dict[str, FileState] = {}
    exclude = exclude.resolve() if exclude is not None else None
    root = Path(folder).resolve()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".")
                             and (exclude is None or (Path(dirpath) / d).resolve() != exclude))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if name.startswith(".") or rel == CATALOG:
                continue
            key = prefix + rel
            found = _examine(path, key, root)
            if isinstance(found, str):
                if skipped is not None:
                    skipped.append((printable_name(key), found))
                continue
            out[key] = FileState(key, path, found.st_size, found.st_mtime)
    return out


def printable_name(name: str) -> str:
    """A file name as it can be shown and stored: bytes that are not UTF-8 written as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def _examine(path: Path, key: str, root: Path) -> os.stat_result | str:
    """The stat of a regular file to read as a paper, or why the directory entry is not read."""
    shown = printable_name(key)
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return (f'the name "{shown}" is not valid UTF-8; rename the file (for example with '
                "`convmv -f latin1 -t utf8`) and ingest again")
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return f'"{shown}" is a broken symbolic link; remove it or point it at a file'
        if not target.is_relative_to(root):
            return (f'"{shown}" is a symbolic link to {str(target)!r}, outside the folder; kb follows links '
                    "only inside the folder it ingests: copy the file in instead")
    try:
        st = path.stat()
    except OSError as exc:
        return f'"{shown}" cannot be read ({exc.strerror}); check its permissions'
    if not stat.S_ISREG(st.st_mode):
        return f'"{shown}" is not a regular file (a FIFO, device or socket); only files are read'
    return st


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
