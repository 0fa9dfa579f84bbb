"""The PostgreSQL store (`KB_STORE=postgres://...`): the same interface as the embedded store
(kb.store.backend) over one server, a coordinator with shards, or a read-only replica.

Vectors live in pgvector columns: searched exactly (a scan) below the index threshold, as the
embedded store does, and through an HNSW index past it. The keyword index is kb's own postings
table ranked by kb.store.bm25, so a question ranks the same here as in the embedded store.
Every change is one transaction that bumps the generation; readers cache documents per
generation. The local directory (KB_DIR) keeps only what is local by nature: page images,
uploads and the query model.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from kb.errors import StoreError, StoreMismatchError
from kb.store.pg_connect import connect, redact
from kb.store.pg_reading import PgReading
from kb.store.pg_writing import PgWriting
from kb.types import SCHEMA_VERSION, Document

_LOCK_KEY = 0x6B62_7772  # pg_advisory_lock key of the one writer ("kbwr")


class PostgresStore(PgWriting, PgReading):
    """A knowledge base in PostgreSQL. Open with `PostgresStore.open(url, local_dir)` or create
    with `PostgresStore.create(url, local_dir, model, dim, shards=[...])`."""

    def __init__(self, url: str, local_dir: Path, conn, manifest: dict) -> None:
        self.url = url
        self.path = Path(local_dir)
        self.conn = conn
        self.manifest = manifest
        self._doc_cache: dict[str, Document] | None = None
        self._doc_generation = -1
        self.read_only = bool(conn.execute("SELECT pg_is_in_recovery() AS r").fetchone()["r"])
        self._hnsw: bool | None = None

    # ---------------------------------------------------------------- opening
    @classmethod
    def create(cls, url: str, local_dir: str | Path, model: str, dim: int, index_threshold: int = 200_000,
               shards: list[str] | None = None) -> PostgresStore:
        """Open the store at `url`, creating its tables for `model` if it has none (on the shards
        too, when given)."""
        from kb.store import pg_schema

        conn = connect(url)
        if _has_store(conn):
            conn.close()
            store = cls.open(url, local_dir)
            store.check_model(model, dim)
            return store
        manifest = {"format": "kb-store-postgres", "schema_version": SCHEMA_VERSION,
                    "pg_schema_version": pg_schema.PG_SCHEMA_VERSION, "model": model, "dim": dim,
                    "index_threshold": index_threshold, "shards": len(shards or []),
                    "sentence_vectors": "float16, pooled from each passage's forward pass (kb.spans)",
                    "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        for shard in shards or []:
            with connect(shard) as sc:
                pg_schema.create_shard(sc, dim)
        with conn.transaction():
            if shards:
                pg_schema.create_coordinator(conn, dim, list(shards))
            else:
                pg_schema.create_single(conn, dim)
            conn.execute("INSERT INTO kb_meta(key, value) VALUES ('generation', '0'), ('rows', '0'), ('tokens', '0'), "
                         "('manifest', %s), ('x:shard_urls', %s)", (json.dumps(manifest), json.dumps(list(shards or []))))
        Path(local_dir).mkdir(parents=True, exist_ok=True)
        return cls(url, Path(local_dir), conn, manifest)

    @classmethod
    def open(cls, url: str, local_dir: str | Path) -> PostgresStore:
        from kb.store import pg_schema

        conn = connect(url)
        if not _has_store(conn):
            conn.close()
            raise StoreError(f"no knowledge base in the PostgreSQL store {redact(url)}; run `kb ingest FOLDER` with "
                             "this KB_STORE first")
        manifest = json.loads(conn.execute("SELECT value FROM kb_meta WHERE key='manifest'").fetchone()["value"])
        if (manifest.get("schema_version") != SCHEMA_VERSION
                or manifest.get("pg_schema_version") != pg_schema.PG_SCHEMA_VERSION):
            conn.close()
            raise StoreMismatchError(
                f"the PostgreSQL store {redact(url)} has passage schema {manifest.get('schema_version')}/"
                f"{manifest.get('pg_schema_version')}, this kb needs {SCHEMA_VERSION}/{pg_schema.PG_SCHEMA_VERSION}; "
                "ingest into a new database")
        Path(local_dir).mkdir(parents=True, exist_ok=True)
        store = cls(url, Path(local_dir), conn, manifest)
        store._sync_manifest_counts()
        return store

    @property
    def location(self) -> str:
        return redact(self.url)

    @property
    def description(self) -> str:
        shards = int(self.manifest.get("shards") or 0)
        where = f"PostgreSQL, {shards} shards" if shards else "PostgreSQL"
        return f"{where}{', read-only replica' if self.read_only else ''}: {self.index_kind} pgvector + BM25 postings"

    def check_model(self, model: str, dim: int) -> None:
        if self.manifest["model"] != model or int(self.manifest["dim"]) != dim:
            raise StoreMismatchError(
                f"the PostgreSQL store {self.location} was built with model {self.manifest['model']} "
                f"(dim {self.manifest['dim']}), not {model} (dim {dim}); use the same KB_MODEL/KB_BACKEND "
                "or ingest into a new database")

    # ---------------------------------------------------------------- generations
    def generation(self) -> int:
        row = self.conn.execute("SELECT value FROM kb_meta WHERE key='generation'").fetchone()
        return int(row["value"]) if row else 0

    def _counter(self, key: str) -> int:
        row = self.conn.execute("SELECT value FROM kb_meta WHERE key=%s", (key,)).fetchone()
        return int(row["value"]) if row else 0

    def _sync_manifest_counts(self) -> None:
        self.manifest["generation"] = self.generation()
        self.manifest["documents"] = self.conn.execute("SELECT count(*) AS n FROM kb_documents").fetchone()["n"]
        self.manifest["passages"] = self._counter("rows")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic change (on the shards too: postgres_fdw commits them with the coordinator);
        bumps the generation."""
        self._check_writable()
        try:
            with self.conn.transaction():
                self.conn.execute("UPDATE kb_meta SET value = (value::bigint + 1)::text WHERE key='generation'")
                yield
        finally:
            self._doc_cache = None

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(f"the PostgreSQL store {self.location} is a read-only replica; point KB_STORE at the "
                             "primary server to ingest or remove documents")

    def get_meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM kb_meta WHERE key=%s", ("x:" + key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self.conn.execute("DELETE FROM kb_meta WHERE key=%s", ("x:" + key,))
        else:
            self.conn.execute("INSERT INTO kb_meta(key, value) VALUES(%s, %s) ON CONFLICT (key) DO UPDATE "
                              "SET value = excluded.value", ("x:" + key, value))

    def meta_keys(self, prefix: str) -> list[str]:
        rows = self.conn.execute("SELECT key FROM kb_meta WHERE key >= %s AND key < %s",
                                 ("x:" + prefix, "x:" + prefix + "\uffff"))
        return [r["key"][2:] for r in rows]

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One writer at a time per database (an advisory lock: released when its holder's session ends)."""
        self._check_writable()
        got = self.conn.execute("SELECT pg_try_advisory_lock(%s) AS ok", (_LOCK_KEY,)).fetchone()["ok"]
        if not got:
            raise StoreError(f"another `kb ingest` or removal is writing to the PostgreSQL store {self.location}; "
                             "wait for it to finish")
        try:
            yield
        finally:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))

    def save(self) -> None:
        """After committed changes: build the HNSW index once the store passes the threshold,
        and record the counts in the manifest."""
        if self.read_only:
            return
        if not self._has_hnsw() and self._counter("rows") > int(self.manifest.get("index_threshold", 200_000)):
            self._build_hnsw()
        self._sync_manifest_counts()
        self.manifest["updated"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        self.conn.execute("UPDATE kb_meta SET value=%s WHERE key='manifest'", (json.dumps(self.manifest),))

    def load_index(self) -> None:
        """Nothing to load: the server keeps the vector index."""

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _has_store(conn) -> bool:
    return conn.execute("SELECT to_regclass('kb_meta') IS NOT NULL AS ok").fetchone()["ok"]


def read_manifest(url: str) -> dict | None:
    """The manifest of the store at `url`, or None when the database holds no store yet."""
    with connect(url) as conn:
        if not _has_store(conn):
            return None
        return json.loads(conn.execute("SELECT value FROM kb_meta WHERE key='manifest'").fetchone()["value"])
