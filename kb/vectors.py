"""The dense side: a FAISS index over passage row ids, saved in FAISS's own format.

Vectors are also kept in SQLite (the source of truth), so a missing or stale index file is
rebuilt from there instead of failing. Exact inner-product search (vectors are unit length)
below a size threshold; HNSW above it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Iterable

import numpy as np

log = logging.getLogger(__name__)


def _faiss():
    import faiss  # heavy import, only where used

    return faiss


class VectorIndex:
    """A FAISS index mapping int64 passage row ids to vectors."""

    def __init__(self, dim: int, approximate: bool = False, hnsw_m: int = 32) -> None:
        faiss = _faiss()
        self.dim = dim
        self.approximate = approximate
        if approximate:
            base = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            base.hnsw.efConstruction = 80
            base.hnsw.efSearch = 128
        else:
            base = faiss.IndexFlatIP(dim)
        self.index = faiss.IndexIDMap2(base)
        self._deleted: set[int] = set()  # HNSW cannot remove; deleted ids are filtered out

    @property
    def size(self) -> int:
        return int(self.index.ntotal) - len(self._deleted)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids) == 0:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: Iterable[int]) -> None:
        ids = np.fromiter(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        if self.approximate:
            self._deleted.update(int(i) for i in ids)
        else:
            self.index.remove_ids(ids)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top k (ids, scores) for one query vector; `allowed` restricts to these row ids."""
        faiss = _faiss()
        if self.index.ntotal == 0 or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        kk = min(k + len(self._deleted), int(self.index.ntotal))
        params = None
        if allowed is not None:
            if len(allowed) == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            sel = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            params = faiss.SearchParameters(sel=sel) if not self.approximate else faiss.SearchParametersHNSW(sel=sel, efSearch=max(128, kk))
        scores, ids = self.index.search(q, kk, params=params) if params is not None else self.index.search(q, kk)
        ids, scores = ids[0], scores[0]
        keep = ids >= 0
        if self._deleted:
            keep &= ~np.isin(ids, np.fromiter(self._deleted, dtype=np.int64))
        return ids[keep][:k], scores[keep][:k]

    def save(self, path: Path) -> None:
        """Write atomically: a temp file renamed over the old one."""
        faiss = _faiss()
        tmp = path.with_suffix(path.suffix + ".tmp")
        faiss.write_index(self.index, str(tmp))
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, dim: int, approximate: bool = False) -> VectorIndex:
        faiss = _faiss()
        obj = cls.__new__(cls)
        obj.dim = dim
        obj.approximate = approximate
        obj.index = faiss.read_index(str(path))
        obj._deleted = set()
        if obj.index.d != dim:
            raise ValueError(f"index dimension {obj.index.d} != {dim}")
        return obj
