"""Generations and atomic change: the manifest, the meta table, transactions that bump the
generation, and saving the FAISS file labelled with the generation it matches."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kb.store.schema import INDEX_META, MANIFEST

# a save's temporary files: vectors-N.faiss.PID.tmp, vectors-N.faiss.ids.npy.PID.tmp.npy, vectors.json.PID.tmp
_TEMP = re.compile(r"^vectors.*\.(\d+)\.tmp(\.npy)?$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_temp_files(store_dir: Path) -> list[str]:
    """Delete the temporary files a save killed half-way left behind (their process is gone);
    a save still running in another process keeps its own. Returns the names removed."""
    removed = []
    for f in store_dir.iterdir():
        m = _TEMP.match(f.name)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            f.unlink(missing_ok=True)
            removed.append(f.name)
    return removed


class Generations:
    """Mixin of `Store`: what changes the generation, and what is saved after a change."""

    def generation(self) -> int:
        """A number that changes with every committed change to the store (any process)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def _sync_manifest_counts(self) -> None:
        self.manifest["generation"] = self.generation()
        self.manifest["documents"] = self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        self.manifest["passages"] = self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]

    def _write_manifest(self) -> None:
        self._sync_manifest_counts()
        self.manifest["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        tmp = self.path / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(self.manifest, indent=2))
        os.replace(tmp, self.path / MANIFEST)


    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic change; bumps the generation so a stale FAISS file is detected."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            start = self.generation()  # read under SQLite's write lock: no other process moves it now
            yield
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES('generation', '1') "
                "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
            ours = self.generation()
            self.conn.commit()
            if self._index is not None:
                if self._index_generation == start:  # kept current by add/remove during the transaction
                    self._index_generation = ours
                else:  # another process changed the store since the index was loaded: never label it current
                    self._index = None
        except BaseException:
            self.conn.rollback()
            # the in-memory FAISS index may hold changes that were rolled back: drop it so it is
            # reloaded (or rebuilt from SQLite) instead of being saved with rows the database lacks
            self._index = None
            self._doc_cache = None
            raise
        self._doc_cache = None

    def get_meta(self, key: str) -> str | None:
        """A free-form value kept beside the data (ingest records catalog rows and skips here)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str | None) -> None:
        """Set (or, with None, delete) a meta value. Call inside `transaction()`."""
        if key == "generation":
            raise ValueError("the generation is managed by transaction()")
        if value is None:
            self.conn.execute("DELETE FROM meta WHERE key=?", (key,))
        else:
            self.conn.execute("INSERT INTO meta(key, value) VALUES(?, ?) "
                              "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))

    def meta_keys(self, prefix: str) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT key FROM meta WHERE key >= ? AND key < ?",
                                                (prefix, prefix + "\uffff"))]

    def save(self) -> None:
        """Write the FAISS index (if loaded) and the manifest after committed changes.

        Index files carry the generation in their names and vectors.json names the current
        ones, replaced atomically; a reader therefore never pairs an index file with the label
        file of another generation, and a stale or vanished file is rebuilt from SQLite."""
        if self._index is not None and self._index_generation == self.generation():
            gen = self._index_generation
            name = f"vectors-{gen}.faiss"
            self._index.save(self.path / name)
            tmp = self.path / f"{INDEX_META}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps({"generation": gen, "file": name, "count": self._index.size,
                                       "approximate": self._index.approximate}))
            os.replace(tmp, self.path / INDEX_META)
            for old in self.path.glob("vectors*.faiss*"):
                if not old.name.startswith(name) and ".tmp" not in old.name:
                    old.unlink(missing_ok=True)
        self._write_manifest()
        remove_stale_temp_files(self.path)

