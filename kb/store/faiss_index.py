"""The dense side: a FAISS index over passage row ids, saved in FAISS's own format.

Vectors are also kept in SQLite (the source of truth), so a missing or stale index file is
rebuilt from there instead of failing. Exact inner-product search (vectors are unit length)
below a size threshold; HNSW above it.

FAISS sees only positions 0..n-1; `labels[position]` is the passage row id, -1 once deleted.
An exact index removes deleted rows at once. HNSW cannot remove nodes, so a deleted position
stays in the graph as a tombstone that searches skip (a bitmap selector) until `save` rebuilds
the graph past COMPACT_AT tombstones. Because a row id maps to a fresh position on every add,
a row id SQLite hands out again (it reuses the highest free rowid) is never confused with the
tombstone of the passage that had it before.

Files: <path> (FAISS index) and <path>.ids.npy (the labels, numpy without pickle).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

HNSW_M = 32  # graph degree: memory ~ 8*M bytes per passage beside the 4*dim of the vector
EF_CONSTRUCTION = 128  # build effort: 64 capped recall@10 near 0.97 at 1M; 128 gives 0.99 (docs/benchmarks.md)
EF_SEARCH = 128  # recall@10 vs exact >= 0.98 at 1M passages (bench/bench_scale.py)
EXACT_FILTER_LIMIT = 20_000  # a filter this small is searched exactly: HNSW misses rare allowed nodes
COMPACT_AT = 0.25  # share of tombstones past which save() rebuilds the HNSW graph


def _faiss():
    import faiss  # heavy import, only where used

    return faiss


def positions_of(labels: np.ndarray, order: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Positions whose label is one of `ids` (labels sorted by `order`); unknown ids are dropped."""
    if len(labels) == 0 or len(ids) == 0:
        return np.zeros(0, dtype=np.int64)
    ids = np.asarray(ids, dtype=np.int64)
    sorted_labels = labels[order]
    at = np.searchsorted(sorted_labels, ids, side="left")
    at = np.clip(at, 0, len(order) - 1)
    found = sorted_labels[at] == ids
    return order[at[found]]


def bitmap(n: int, positions: np.ndarray) -> np.ndarray:
    """A little-endian bit per position, as faiss.IDSelectorBitmap reads it."""
    bits = np.zeros(n, dtype=bool)
    bits[positions] = True
    return np.packbits(bits, bitorder="little")


class VectorIndex:
    """A FAISS index mapping int64 passage row ids to unit vectors (inner product = cosine)."""

    def __init__(self, dim: int, approximate: bool = False, hnsw_m: int = HNSW_M,
                 ef_construction: int = EF_CONSTRUCTION, ef_search: int = EF_SEARCH) -> None:
        faiss = _faiss()
        self.dim = dim
        self.approximate = approximate
        self.hnsw_m = hnsw_m
        self.ef_search = ef_search
        if approximate:
            self.index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            self.index.hnsw.efConstruction = ef_construction
            self.index.hnsw.efSearch = ef_search
        else:
            self.index = faiss.IndexFlatIP(dim)
        self._labels = np.zeros(0, dtype=np.int64)
        self._max_label = -1
        self._reset_caches()

    def _reset_caches(self) -> None:
        self._order: np.ndarray | None = None  # argsort of labels, for row id -> position
        self._alive_bits: np.ndarray | None = None

    # ---------------------------------------------------------------- state
    @property
    def size(self) -> int:
        """Live (not deleted) vectors."""
        return int((self._labels >= 0).sum())

    @property
    def tombstones(self) -> int:
        return int(len(self._labels) - self.size)

    def _positions(self, ids: np.ndarray) -> np.ndarray:
        if self._order is None:
            self._order = np.argsort(self._labels, kind="stable")
        return positions_of(self._labels, self._order, ids)

    # ---------------------------------------------------------------- changes
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under row ids; an id already present is replaced."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        if int(ids.min()) <= self._max_label:  # SQLite row ids grow, so usually nothing to replace
            self.remove(ids)
        self.index.add(np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim))
        self._labels = np.concatenate([self._labels, ids])
        self._max_label = max(self._max_label, int(ids.max()))
        self._reset_caches()

    def remove(self, ids: Iterable[int]) -> None:
        ids = np.fromiter(ids, dtype=np.int64) if not isinstance(ids, np.ndarray) else ids.astype(np.int64)
        pos = self._positions(ids[ids >= 0]) if len(ids) else np.zeros(0, dtype=np.int64)
        pos = pos[self._labels[pos] >= 0]
        if len(pos) == 0:
            return
        if self.approximate:
            self._labels[pos] = -1
        else:
            self.index.remove_ids(np.ascontiguousarray(pos, dtype=np.int64))
            self._labels = np.delete(self._labels, pos)
        self._reset_caches()

    def compact(self) -> None:
        """Rebuild the HNSW graph without its tombstones (minutes at a million passages)."""
        if not self.approximate or self.tombstones == 0:
            return
        live = np.flatnonzero(self._labels >= 0)
        vectors = self._stored()[live]
        fresh = VectorIndex(self.dim, approximate=True, hnsw_m=self.hnsw_m,
                            ef_construction=self.index.hnsw.efConstruction, ef_search=self.ef_search)
        fresh.add(self._labels[live], vectors)
        self.index, self._labels = fresh.index, fresh._labels
        self._reset_caches()

    # ---------------------------------------------------------------- search
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top k (ids, scores) for one query vector; `allowed` restricts to these row ids."""
        faiss = _faiss()
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if self.size == 0 or k <= 0:
            return empty
        q = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
        n = len(self._labels)
        if allowed is not None:
            pos = self._positions(np.asarray(allowed, dtype=np.int64))
            pos = pos[self._labels[pos] >= 0]
            if len(pos) == 0:
                return empty
            if self.approximate and len(pos) <= EXACT_FILTER_LIMIT:
                return self._exact_over(q[0], pos, k)
            bits = bitmap(n, pos)
            share = len(pos) / max(1, self.size)
        else:
            if self.tombstones == 0:
                return self._run(q, k, None, self.ef_search)
            if self._alive_bits is None:
                self._alive_bits = bitmap(n, np.flatnonzero(self._labels >= 0))
            bits, share = self._alive_bits, self.size / n
        sel = faiss.IDSelectorBitmap(bits)
        ef = min(4096, max(self.ef_search, int(self.ef_search / max(share, 1e-3))))  # rarer allowed, wider search
        return self._run(q, k, (sel, bits), ef)

    def _run(self, q: np.ndarray, k: int, selector: tuple | None, ef: int) -> tuple[np.ndarray, np.ndarray]:
        faiss = _faiss()
        k = min(k, len(self._labels))
        sel = selector[0] if selector else None
        if self.approximate:
            params = faiss.SearchParametersHNSW(efSearch=max(ef, k))
            if sel is not None:
                params.sel = sel
        else:
            params = faiss.SearchParameters(sel=sel) if sel is not None else None
        scores, pos = self.index.search(q, k, params=params)
        pos, scores = pos[0], scores[0]
        keep = pos >= 0
        labels = self._labels[pos[keep]]
        scores = scores[keep]
        alive = labels >= 0
        return labels[alive], scores[alive]

    def _stored(self) -> np.ndarray:
        """All stored vectors, by position: a view of FAISS's memory, no copy (valid until the next change)."""
        faiss = _faiss()
        flat = faiss.downcast_index(self.index.storage) if self.approximate else self.index
        n = int(flat.ntotal)
        if n == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return faiss.rev_swig_ptr(flat.get_xb(), n * self.dim).reshape(n, self.dim)

    def _exact_over(self, q: np.ndarray, pos: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self._stored()[pos] @ q
        top = np.argsort(-scores, kind="stable")[:k]
        return self._labels[pos[top]], scores[top].astype(np.float32)

    # ---------------------------------------------------------------- files
    def save(self, path: Path) -> None:
        """Write atomically (temp files renamed over the old ones); compacts a graph first when
        more than COMPACT_AT of it is tombstones."""
        faiss = _faiss()
        if self.approximate and self.tombstones > COMPACT_AT * max(1, len(self._labels)):
            log.info("rebuilding the vector graph without %d deleted passages", self.tombstones)
            self.compact()
        path = Path(path)
        ids_path = _ids_path(path)
        tmp_ids = ids_path.with_name(f"{ids_path.name}.{os.getpid()}.tmp.npy")  # per process: two savers never share
        np.save(tmp_ids, self._labels, allow_pickle=False)
        tmp = path.with_suffix(f"{path.suffix}.{os.getpid()}.tmp")
        faiss.write_index(self.index, str(tmp))
        for f in (tmp_ids, tmp):
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp_ids, ids_path)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, dim: int, approximate: bool = False) -> VectorIndex:
        """Read an index written by `save`; ValueError when the files do not belong together."""
        faiss = _faiss()
        path = Path(path)
        obj = cls.__new__(cls)
        obj.dim = dim
        obj.approximate = approximate
        obj.index = faiss.read_index(str(path))
        obj._labels = np.load(_ids_path(path), allow_pickle=False).astype(np.int64)
        obj._max_label = int(obj._labels.max()) if len(obj._labels) else -1
        obj._reset_caches()
        is_hnsw = isinstance(obj.index, faiss.IndexHNSW)
        obj.ef_search = int(obj.index.hnsw.efSearch) if is_hnsw else EF_SEARCH
        obj.hnsw_m = int(obj.index.hnsw.nb_neighbors(1)) if is_hnsw else HNSW_M
        if obj.index.d != dim:
            raise ValueError(f"index dimension {obj.index.d} != {dim}")
        if is_hnsw != approximate or isinstance(obj.index, faiss.IndexIDMap):
            raise ValueError(f"index file {path} is of another kind than expected")
        if len(obj._labels) != obj.index.ntotal:
            raise ValueError(f"index file {path} holds {obj.index.ntotal} vectors but {len(obj._labels)} labels")
        return obj


def _ids_path(path: Path) -> Path:
    return path.with_name(path.name + ".ids.npy")
