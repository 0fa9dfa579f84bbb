"""The persistent knowledge base: SQLite (documents, passages, vectors, FTS5 keyword index),
a FAISS index file, and a JSON manifest.

Layout of a store directory:
    kb.sqlite       documents, files, passages, vectors (float32 blobs), passages_fts (FTS5)
    vectors.faiss   FAISS index over passage row ids (rebuilt from SQLite when stale)
    manifest.json   embedding model, dimension, schema version, counts, generation

Every change to one document is one SQLite transaction, so a kill at any moment leaves the
previous state or the new one, never half a document. The FAISS file is written after the
commit, atomically, and carries the generation it matches; a stale one is rebuilt on open.
Nothing loaded back is a pickle.
"""


from __future__ import annotations

import json
import sqlite3
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Self

from kb.errors import StoreError, StoreMismatchError
from kb.store.generations import Generations
from kb.store.lock import writer_lock
from kb.store.reading import Reading
from kb.store.schema import DB_NAME, MANIFEST, SCHEMA
from kb.store.vectors import Vectors
from kb.store.writing import Writing
from kb.types import SCHEMA_VERSION, Document


class Store(Generations, Writing, Vectors, Reading):
    """A knowledge base directory. Open with `Store.open(path)` or create with `Store.create`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, manifest: dict) -> None:
        self.path = path
        self.conn = conn
        self.manifest = manifest
        self._index = None  # VectorIndex, loaded lazily
        self._index_generation = -1  # the database generation the in-memory index matches
        self._doc_cache: dict[str, Document] | None = None
        self._doc_generation = -1

    # ---------------------------------------------------------------- opening
    @classmethod
    def create(cls, path: str | Path, model: str, dim: int, index_threshold: int = 200_000) -> Store:
        """Open the store at `path`, creating it for `model` if it does not exist."""
        path = Path(path)
        if (path / MANIFEST).exists():
            store = cls.open(path)
            store.check_model(model, dim)
            return store
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create knowledge base directory {str(path)!r} ({exc.strerror}); "
                             "choose another with --kb or KB_DIR") from None
        manifest = {
            "format": "kb-store",
            "schema_version": SCHEMA_VERSION,
            "model": model,
            "dim": dim,
            "index_threshold": index_threshold,
            "sentence_vectors": "float16, pooled from each passage's forward pass (kb.spans)",
            "generation": 0,
            "documents": 0,
            "passages": 0,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        conn = cls._connect(path)
        conn.executescript(SCHEMA)
        conn.commit()
        store = cls(path, conn, manifest)
        store._write_manifest()
        return store

    @classmethod
    def open(cls, path: str | Path) -> Store:
        path = Path(path)
        mpath = path / MANIFEST
        if not mpath.exists():
            raise StoreError(f"no knowledge base at {str(path)!r}; run `kb ingest FOLDER --kb {path}` first "
                             "or point --kb / KB_DIR at an existing one")
        try:
            manifest = json.loads(mpath.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise StoreError(f"manifest {str(mpath)!r} is unreadable ({exc}); delete {str(path)!r} and re-run `kb ingest`") from None
        rebuild = f"delete {str(path)!r} and re-run `kb ingest FOLDER --kb {path}`"
        problem = manifest_problem(manifest)
        if problem:
            raise StoreError(f"manifest {str(mpath)!r} is damaged ({problem}); {rebuild}")
        if manifest.get("schema_version") != SCHEMA_VERSION:
            raise StoreMismatchError(
                f"knowledge base {str(path)!r} has passage schema {manifest.get('schema_version')}, this kb needs "
                f"{SCHEMA_VERSION}; delete the directory and re-run `kb ingest`")
        db = path / DB_NAME
        held = manifest.get("documents") or 0
        if held and (not db.exists() or db.stat().st_size == 0):
            raise StoreError(f"knowledge base {str(path)!r} is damaged: {DB_NAME} is "
                             f"{'missing' if not db.exists() else 'empty'} but the manifest records {held} "
                             f"documents; restore {DB_NAME} from a backup, or {rebuild}")
        conn = cls._connect(path)
        try:
            conn.executescript(SCHEMA)
            store = cls(path, conn, manifest)
            store._sync_manifest_counts()
            row = conn.execute("SELECT length(vec) FROM vectors LIMIT 1").fetchone()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{str(db)!r} is damaged ({exc}); restore it from a backup, or {rebuild}") from None
        if row is not None and row[0] != 4 * int(manifest["dim"]):
            conn.close()
            raise StoreError(f"manifest {str(mpath)!r} is damaged (dim {manifest['dim']}, but the stored vectors "
                             f"have {row[0] // 4} dimensions); {rebuild}")
        return store

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(path / DB_NAME, timeout=30, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {str(path / DB_NAME)!r} ({exc}); check permissions or choose another --kb") from None
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{str(path / DB_NAME)!r} is damaged ({exc}); restore it from a backup, or delete "
                             f"{str(path)!r} and re-run `kb ingest FOLDER --kb {path}`") from None
        return conn

    @property
    def location(self) -> str:
        """Where the data lives, as a user would name it in a message."""
        return str(self.path)

    @property
    def description(self) -> str:
        return f"{self.index_kind} FAISS + FTS5"

    def writer_lock(self) -> AbstractContextManager[None]:
        """Held by every process that changes the store (one writer at a time)."""
        return writer_lock(self.path)

    def check_model(self, model: str, dim: int) -> None:
        """Refuse to mix vectors of two models."""
        if self.manifest["model"] != model or int(self.manifest["dim"]) != dim:
            raise StoreMismatchError(
                f"knowledge base {str(self.path)!r} was built with model {self.manifest['model']} "
                f"(dim {self.manifest['dim']}), not {model} (dim {dim}); use the same KB_MODEL/KB_BACKEND "
                "or ingest into a new --kb directory")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def manifest_problem(manifest: object) -> str | None:
    """What is wrong with a manifest's own fields, or None."""
    if not isinstance(manifest, dict):
        return f"a JSON object expected, not {type(manifest).__name__}"
    if not isinstance(manifest.get("model"), str) or not manifest["model"]:
        return "no model name"
    dim = manifest.get("dim")
    if isinstance(dim, bool) or not isinstance(dim, int) or dim <= 0:
        return f"dim {dim!r} is not a positive whole number"
    return None
