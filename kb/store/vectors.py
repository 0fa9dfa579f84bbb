"""The dense side of a store: the FAISS index (loaded, or rebuilt from the SQLite vectors
when missing or stale) and the stored passage and sentence vectors."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

import numpy as np

from kb.store.schema import INDEX_META, INDEX_NAME

log = logging.getLogger(__name__)


class Vectors:
    """Mixin of `Store`: the vector index and stored vectors."""

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
        from kb.store.faiss_index import VectorIndex

        dim = int(self.manifest["dim"])
        approximate = self.passage_count() > int(self.manifest.get("index_threshold", 200_000))
        meta_path = self.path / INDEX_META
        if meta_path.exists():
            idx_path = self.path / INDEX_NAME
            try:
                meta = json.loads(meta_path.read_text())
                idx_path = self.path / meta.get("file", INDEX_NAME)
                if meta.get("generation") == self.generation() and meta.get("approximate", False) == approximate:
                    index = VectorIndex.load(idx_path, dim, approximate=approximate)
                    stored = self.conn.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
                    if index.size == stored:
                        return index
                    log.warning("vector index %s holds %d vectors, the database %d; rebuilding from the database",
                                idx_path, index.size, stored)
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

    def vector_search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The k passages nearest `qvec` by inner product (cosine; vectors are unit length), as
        (row ids, scores) best first; `allowed` restricts to these row ids."""
        return self.index.search(qvec, k, allowed)

    def load_index(self) -> None:
        """Load the vector index now, so every change that follows keeps it current and `save()` writes it."""
        _ = self.index

    @property
    def index_kind(self) -> str:
        return "approximate (HNSW)" if self.index.approximate else "exact"

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
