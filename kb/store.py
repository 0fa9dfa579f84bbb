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
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import numpy as np

from kb.errors import NotFoundError, StoreError, StoreMismatchError
from kb.types import SCHEMA_VERSION, Document, Filters, ParsedDocument, Passage

log = logging.getLogger(__name__)

DB_NAME = "kb.sqlite"
INDEX_NAME = "vectors.faiss"
INDEX_META = "vectors.json"
MANIFEST = "manifest.json"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, file TEXT NOT NULL, sha256 TEXT NOT NULL, title TEXT NOT NULL,
    short_title TEXT, authors TEXT, publisher TEXT, year INTEGER, symbol TEXT, kind TEXT,
    pages INTEGER, fmt TEXT NOT NULL, language TEXT, flags TEXT NOT NULL, aliases TEXT NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    file TEXT PRIMARY KEY, doc_id TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    mtime REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    rowid INTEGER PRIMARY KEY, passage_id TEXT NOT NULL UNIQUE, doc_id TEXT NOT NULL,
    seq INTEGER NOT NULL, text TEXT NOT NULL, para TEXT, part INTEGER NOT NULL,
    section TEXT NOT NULL, kind TEXT NOT NULL, page_start INTEGER, page_end INTEGER,
    page_label TEXT
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, seq);
CREATE TABLE IF NOT EXISTS vectors (rowid INTEGER PRIMARY KEY, vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS sentence_vectors (rowid INTEGER PRIMARY KEY, n INTEGER NOT NULL, vecs BLOB NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    body, context, tokenize = 'porter unicode61 remove_diacritics 2'
);
"""

_DOC_COLS = ("doc_id", "file", "sha256", "title", "short_title", "authors", "publisher", "year",
             "symbol", "kind", "pages", "fmt", "language", "flags", "aliases")
_PASSAGE_COLS = ("passage_id", "doc_id", "seq", "text", "para", "part", "section", "kind",
                 "page_start", "page_end", "page_label")


def store_manifest(kb_path: Path) -> dict | None:
    """The manifest of an existing store, or None (no store there, or unreadable)."""
    try:
        return json.loads((Path(kb_path) / MANIFEST).read_text())
    except (OSError, json.JSONDecodeError):
        return None


def store_model(kb_path: Path) -> str | None:
    """The model setting an existing store was built with ("all-MiniLM-L6-v2", "hash-bow-64" ...)."""
    manifest = store_manifest(kb_path)
    if not manifest:
        return None
    return str(manifest.get("model", "")).split("@")[0] or None


def _doc_from_row(row: sqlite3.Row) -> Document:
    d = {c: row[c] for c in _DOC_COLS}
    d["flags"] = tuple(json.loads(d["flags"]))
    d["aliases"] = tuple(json.loads(d["aliases"]))
    return Document(**d)


def _passage_from_row(row: sqlite3.Row) -> Passage:
    d = {c: row[c] for c in _PASSAGE_COLS}
    d["section"] = tuple(json.loads(d["section"]))
    return Passage(**d)


def keyword_context(doc: Document, passage: Passage) -> str:
    """What the keyword index sees beside the passage body: title, symbol and heading path."""
    return " ".join(x for x in (doc.short_title or doc.title, doc.symbol or "", " ".join(passage.section)) if x)


class Store:
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
        conn.executescript(_SCHEMA)
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
        if manifest.get("schema_version") != SCHEMA_VERSION:
            raise StoreMismatchError(
                f"knowledge base {str(path)!r} has passage schema {manifest.get('schema_version')}, this kb needs "
                f"{SCHEMA_VERSION}; delete the directory and re-run `kb ingest`")
        conn = cls._connect(path)
        conn.executescript(_SCHEMA)
        store = cls(path, conn, manifest)
        store._sync_manifest_counts()
        return store

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(path / DB_NAME, timeout=30, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {str(path / DB_NAME)!r} ({exc}); check permissions or choose another --kb") from None
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

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

    # ---------------------------------------------------------------- manifest
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

    # ---------------------------------------------------------------- writing
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic change; bumps the generation so a stale FAISS file is detected."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            yield
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES('generation', '1') "
                "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
            self.conn.commit()
            if self._index is not None:  # kept current by add/remove during the transaction
                self._index_generation = self.generation()
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

    def add_document(self, parsed: ParsedDocument, vectors: np.ndarray, files: Iterable[tuple[str, int, float]],
                     sentence_vectors: Sequence[np.ndarray] | None = None) -> None:
        """Insert a document, its passages and vectors, and the files (name, size, mtime)
        that hold it; `sentence_vectors`, when given, holds each passage's sentence vectors
        (kb.spans; stored as float16). Call inside `transaction()`; replaces a document with
        the same id."""
        doc = parsed.document
        if len(parsed.passages) != len(vectors):
            raise ValueError("one vector per passage expected")
        if sentence_vectors is not None and len(sentence_vectors) != len(vectors):
            raise ValueError("one array of sentence vectors per passage expected")
        self._delete_doc_rows(doc.doc_id)
        d = doc.to_dict()
        d["flags"] = json.dumps(d["flags"])
        d["aliases"] = json.dumps(d["aliases"])
        self.conn.execute(
            f"INSERT INTO documents({','.join(_DOC_COLS)}, ingested_at) VALUES({','.join('?' * len(_DOC_COLS))}, ?)",
            [d[c] for c in _DOC_COLS] + [time.time()])
        new_ids, new_vecs = [], []
        for n, (p, v) in enumerate(zip(parsed.passages, vectors)):
            pd = p.to_dict()
            pd["section"] = json.dumps(pd["section"])
            cur = self.conn.execute(
                f"INSERT INTO passages({','.join(_PASSAGE_COLS)}) VALUES({','.join('?' * len(_PASSAGE_COLS))})",
                [pd[c] for c in _PASSAGE_COLS])
            rowid = cur.lastrowid
            vec = np.ascontiguousarray(v, dtype=np.float32)
            self.conn.execute("INSERT INTO vectors(rowid, vec) VALUES(?, ?)", (rowid, vec.tobytes()))
            if sentence_vectors is not None and len(sentence_vectors[n]):
                sv = np.ascontiguousarray(sentence_vectors[n], dtype=np.float16)
                self.conn.execute("INSERT INTO sentence_vectors(rowid, n, vecs) VALUES(?, ?, ?)",
                                  (rowid, len(sv), sv.tobytes()))
            self.conn.execute("INSERT INTO passages_fts(rowid, body, context) VALUES(?, ?, ?)",
                              (rowid, p.text, keyword_context(doc, p)))
            new_ids.append(rowid)
            new_vecs.append(vec)
        for name, size, mtime in files:
            self.set_file(name, doc.doc_id, doc.sha256, size, mtime)
        if self._index is not None and new_ids:
            self._index.add(np.array(new_ids, dtype=np.int64), np.vstack(new_vecs))

    def set_file(self, name: str, doc_id: str, sha256: str, size: int, mtime: float) -> None:
        self.conn.execute(
            "INSERT INTO files(file, doc_id, sha256, size, mtime) VALUES(?,?,?,?,?) "
            "ON CONFLICT(file) DO UPDATE SET doc_id=excluded.doc_id, sha256=excluded.sha256, "
            "size=excluded.size, mtime=excluded.mtime", (name, doc_id, sha256, size, mtime))

    def remove_file(self, name: str) -> None:
        """Forget a file; its document goes too when no other file holds it."""
        row = self.conn.execute("SELECT doc_id FROM files WHERE file=?", (name,)).fetchone()
        self.conn.execute("DELETE FROM files WHERE file=?", (name,))
        if row is None:
            return
        left = self.conn.execute("SELECT file FROM files WHERE doc_id=? ORDER BY file", (row[0],)).fetchall()
        if not left:
            self._delete_doc_rows(row[0])
        else:
            doc = self.document(row[0])
            names = [r[0] for r in left]
            primary = doc.file if doc.file in names else names[0]
            aliases = [n for n in names if n != primary]
            self.conn.execute("UPDATE documents SET file=?, aliases=? WHERE doc_id=?",
                              (primary, json.dumps(aliases), row[0]))

    def remove_document(self, doc_id: str) -> None:
        """Remove a document, its passages, vectors and files. Call inside `transaction()`."""
        self.conn.execute("DELETE FROM files WHERE doc_id=?", (doc_id,))
        self._delete_doc_rows(doc_id)

    def update_document(self, doc: Document) -> None:
        """Rewrite a document's metadata (catalog change, new alias) without touching passages."""
        d = doc.to_dict()
        d["flags"] = json.dumps(d["flags"])
        d["aliases"] = json.dumps(d["aliases"])
        cols = [c for c in _DOC_COLS if c != "doc_id"]
        self.conn.execute(f"UPDATE documents SET {', '.join(c + '=?' for c in cols)} WHERE doc_id=?",
                          [d[c] for c in cols] + [doc.doc_id])
        rows = self.conn.execute("SELECT * FROM passages WHERE doc_id=?", (doc.doc_id,)).fetchall()
        for r in rows:  # the keyword context carries the title
            p = _passage_from_row(r)
            self.conn.execute("UPDATE passages_fts SET context=? WHERE rowid=?", (keyword_context(doc, p), r["rowid"]))

    def _delete_doc_rows(self, doc_id: str) -> None:
        rowids = [r[0] for r in self.conn.execute("SELECT rowid FROM passages WHERE doc_id=?", (doc_id,))]
        if rowids:
            self.conn.executemany("DELETE FROM passages_fts WHERE rowid=?", [(r,) for r in rowids])
            self.conn.executemany("DELETE FROM vectors WHERE rowid=?", [(r,) for r in rowids])
            self.conn.executemany("DELETE FROM sentence_vectors WHERE rowid=?", [(r,) for r in rowids])
            self.conn.execute("DELETE FROM passages WHERE doc_id=?", (doc_id,))
            if self._index is not None:
                self._index.remove(rowids)
        self.conn.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))

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

    # ---------------------------------------------------------------- vectors
    @property
    def index(self):
        """The FAISS index, loaded on first use and again whenever the database moved on
        (another process ingested), so vector hits always map to current passages; rebuilt
        from SQLite when the file is missing or stale."""
        gen = self.generation()
        if self._index is None or self._index_generation != gen:
            self._index = None
            self._index = self._load_or_rebuild_index()
            self._index_generation = gen
        return self._index

    def _load_or_rebuild_index(self):
        from kb.vectors import VectorIndex

        dim = int(self.manifest["dim"])
        approximate = self.passage_count() > int(self.manifest.get("index_threshold", 200_000))
        meta_path = self.path / INDEX_META
        if meta_path.exists():
            idx_path = self.path / INDEX_NAME
            try:
                meta = json.loads(meta_path.read_text())
                idx_path = self.path / meta.get("file", INDEX_NAME)
                if meta.get("generation") == self.generation() and meta.get("approximate", False) == approximate:
                    return VectorIndex.load(idx_path, dim, approximate=approximate)
            except Exception as exc:  # noqa: BLE001  (a damaged or vanished index file is rebuilt, not fatal)
                log.warning("vector index %s unreadable (%s); rebuilding from the database", idx_path, exc)
        index = VectorIndex(dim, approximate=approximate)
        batch = 50_000
        cur = self.conn.execute("SELECT rowid, vec FROM vectors ORDER BY rowid")
        while True:
            rows = cur.fetchmany(batch)
            if not rows:
                break
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), dim)
            index.add(ids, vecs)
        self._index = index
        self._index_generation = self.generation()
        try:
            self.save()
        except OSError as exc:  # a read-only store still searches
            log.warning("cannot write the rebuilt vector index (%s)", exc)
        return index

    def vectors_for(self, rowids: list[int]) -> np.ndarray:
        dim = int(self.manifest["dim"])
        out = np.zeros((len(rowids), dim), dtype=np.float32)
        for i, rid in enumerate(rowids):
            row = self.conn.execute("SELECT vec FROM vectors WHERE rowid=?", (rid,)).fetchone()
            if row:
                out[i] = np.frombuffer(row[0], dtype=np.float32)
        return out

    def documents_without_sentence_vectors(self) -> list[str]:
        """Ids of documents with several multi-sentence passages but no sentence vectors at all
        (embedded by a kb from before sentence vectors)."""
        rows = self.conn.execute(
            "SELECT p.doc_id FROM passages p LEFT JOIN sentence_vectors s ON s.rowid = p.rowid "
            "GROUP BY p.doc_id HAVING COUNT(s.rowid) = 0 AND SUM(length(p.text) > 300) > 1")
        return [r[0] for r in rows]

    def sentence_vectors_for(self, rowids: Iterable[int]) -> dict[int, np.ndarray]:
        """The sentence vectors (float16 as stored, one row per sentence) of those passages that have them."""
        dim = int(self.manifest["dim"])
        return {rid: np.frombuffer(blob, dtype=np.float16).reshape(n, dim)
                for rid, n, blob in self._rows_where_rowid_in("SELECT rowid, n, vecs FROM sentence_vectors", rowids)}

    # ---------------------------------------------------------------- reading
    def documents(self) -> list[Document]:
        gen = self.generation()
        if self._doc_cache is None or self._doc_generation != gen:
            self._doc_generation = gen
            rows = self.conn.execute("SELECT * FROM documents ORDER BY file").fetchall()
            self._doc_cache = {r["doc_id"]: _doc_from_row(r) for r in rows}
        return list(self._doc_cache.values())

    def document(self, doc_id: str) -> Document:
        self.documents()
        assert self._doc_cache is not None
        if doc_id not in self._doc_cache:
            raise NotFoundError(f"no document {doc_id!r} in the knowledge base; `kb docs` lists them")
        return self._doc_cache[doc_id]

    def find_document(self, name: str) -> Document:
        """A document by id, file name (or alias), symbol or short title."""
        for d in self.documents():
            if name in (d.doc_id, d.file, d.symbol, d.short_title) or name in d.aliases or Path(d.file).name == name:
                return d
        raise NotFoundError(f"no document {name!r} in the knowledge base; `kb docs` lists the files")

    def files(self) -> dict[str, sqlite3.Row]:
        return {r["file"]: r for r in self.conn.execute("SELECT * FROM files")}

    def file_names(self, doc_id: str) -> list[str]:
        """The file names that hold a document's bytes, sorted."""
        return [r[0] for r in self.conn.execute("SELECT file FROM files WHERE doc_id=? ORDER BY file", (doc_id,))]

    def passage_counts(self) -> dict[str, int]:
        """Passages per doc_id."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT doc_id, COUNT(*) FROM passages GROUP BY doc_id")}

    def passage_count(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]

    def passage(self, passage_id: str) -> Passage:
        row = self.conn.execute("SELECT * FROM passages WHERE passage_id=?", (passage_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no passage {passage_id!r} in the knowledge base; ids come from `kb search` or `kb passages`")
        return _passage_from_row(row)

    def passages(self, doc_id: str | None = None) -> Iterator[Passage]:
        if doc_id is None:
            cur = self.conn.execute("SELECT * FROM passages ORDER BY doc_id, seq")
        else:
            cur = self.conn.execute("SELECT * FROM passages WHERE doc_id=? ORDER BY seq", (doc_id,))
        for row in cur:
            yield _passage_from_row(row)

    def _rows_where_rowid_in(self, select: str, rowids: Iterable[int]) -> Iterator[sqlite3.Row]:
        """`select` + " WHERE rowid IN (...)" over the ids, in chunks under SQLite's parameter limit."""
        ids = [int(r) for r in rowids]
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            yield from self.conn.execute(f"{select} WHERE rowid IN ({','.join('?' * len(chunk))})", chunk)

    def passages_by_rowid(self, rowids: Iterable[int]) -> dict[int, Passage]:
        return {row["rowid"]: _passage_from_row(row) for row in self._rows_where_rowid_in("SELECT * FROM passages", rowids)}

    def doc_ids_by_rowid(self, rowids: Iterable[int]) -> dict[int, str]:
        """The document id of each passage rowid that exists (cheaper than whole passages)."""
        return {r[0]: r[1] for r in self._rows_where_rowid_in("SELECT rowid, doc_id FROM passages", rowids)}

    def rowid_of(self, passage_id: str) -> int:
        row = self.conn.execute("SELECT rowid FROM passages WHERE passage_id=?", (passage_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no passage {passage_id!r} in the knowledge base")
        return int(row[0])

    def neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> list[Passage]:
        """The passages around `passage` in its document, in order (itself included)."""
        rows = self.conn.execute(
            "SELECT * FROM passages WHERE doc_id=? AND seq BETWEEN ? AND ? ORDER BY seq",
            (passage.doc_id, passage.seq - before, passage.seq + after)).fetchall()
        return [_passage_from_row(r) for r in rows]

    def allowed_rowids(self, filters: Filters) -> np.ndarray | None:
        """Row ids that pass the filters, or None when nothing is filtered."""
        if filters.empty:
            return None
        docs = self.filter_documents(filters)
        if not docs:
            return np.zeros(0, dtype=np.int64)
        ids = [d.doc_id for d in docs]
        q = f"SELECT rowid FROM passages WHERE doc_id IN ({','.join('?' * len(ids))})"
        return np.array([r[0] for r in self.conn.execute(q, ids)], dtype=np.int64)

    def filter_documents(self, filters: Filters) -> list[Document]:
        out = []
        wanted = {w.lower() for w in filters.docs}
        pubs = {p.lower() for p in filters.publishers}
        kinds = {k.lower() for k in filters.kinds}
        for d in self.documents():
            names = {d.doc_id, d.file, Path(d.file).name, d.symbol or "", d.short_title or "", *d.aliases}
            if wanted and not wanted & {n.lower() for n in names if n}:
                continue
            if pubs and (d.publisher or "").lower() not in pubs:
                continue
            if kinds and (d.kind or "").lower() not in kinds:
                continue
            if filters.year_min is not None and (d.year is None or d.year < filters.year_min):
                continue
            if filters.year_max is not None and (d.year is None or d.year > filters.year_max):
                continue
            out.append(d)
        return out

    def keyword_search(self, match: str, limit: int, allowed: np.ndarray | None = None,
                       weights: tuple[float, float] = (1.0, 0.25)) -> list[tuple[int, float]]:
        """FTS5 BM25 over (body, context); returns (rowid, score) best first, score = -bm25."""
        if not match:
            return []
        sql = ("SELECT rowid, bm25(passages_fts, ?, ?) AS s FROM passages_fts WHERE passages_fts MATCH ? "
               "ORDER BY s LIMIT ?")
        params: list = [weights[0], weights[1], match, limit]
        if allowed is not None:
            if len(allowed) == 0:
                return []
            if len(allowed) < 5000:
                sql = ("SELECT rowid, bm25(passages_fts, ?, ?) AS s FROM passages_fts WHERE passages_fts MATCH ? "
                       f"AND rowid IN ({','.join('?' * len(allowed))}) ORDER BY s LIMIT ?")
                params = [weights[0], weights[1], match, *map(int, allowed), limit]
            else:
                allowed_set = set(map(int, allowed))
                rows = self.conn.execute(sql.replace("LIMIT ?", ""), params[:3]).fetchall()
                return [(r[0], -r[1]) for r in rows if r[0] in allowed_set][:limit]
        return [(r[0], -r[1]) for r in self.conn.execute(sql, params)]

    def with_document(self, passage: Passage) -> tuple[Passage, Document]:
        return passage, self.document(passage.doc_id)
