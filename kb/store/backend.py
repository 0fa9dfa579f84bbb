"""The one interface of every store backend, and the setting that picks one.

The search, answer, library and serving stages talk to a store only through the methods below;
the ranking (fusion, naming, caps, pruning of common terms, sentence mixing) stays in kb.search,
so a question ranks the same on every backend. Two implementations:

- `kb.store.sqlite.Store`: the embedded default (SQLite + FAISS files in KB_DIR, no server);
- `kb.store.postgres.PostgresStore`: `KB_STORE=postgres://...` on one server, a coordinator with
  shards (`KB_STORE_SHARDS`), or a read-only replica.

A next backend (OpenSearch: BM25 and k-NN in one index, a hybrid search pipeline) implements the
same methods; docs/scale.md describes the mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from kb.config import Settings
from kb.errors import ConfigError
from kb.types import Document, Filters, ParsedDocument, Passage

POSTGRES_SCHEMES = ("postgres://", "postgresql://")


class Backend(Protocol):
    """What a store offers. Row ids are the backend's own integers for passages (stable while the
    passage is stored); passage ids are content-derived and equal on every backend."""

    path: Path  # the local directory: page images, uploads, the query model
    manifest: dict[str, Any]  # model, dim, schema version, documents, passages, generation

    @property
    def location(self) -> str: ...
    @property
    def description(self) -> str: ...
    def check_model(self, model: str, dim: int) -> None: ...
    # documents and passages
    def documents(self) -> list[Document]: ...
    def document(self, doc_id: str) -> Document: ...
    def find_document(self, name: str) -> Document: ...
    def files(self) -> dict[str, Any]: ...
    def file_names(self, doc_id: str) -> list[str]: ...
    def passage_count(self) -> int: ...
    def passage_counts(self) -> dict[str, int]: ...
    def passage(self, passage_id: str) -> Passage: ...
    def passages(self, doc_id: str | None = None) -> Iterator[Passage]: ...
    def passages_by_rowid(self, rowids: Iterable[int]) -> dict[int, Passage]: ...
    def doc_ids_by_rowid(self, rowids: Iterable[int]) -> dict[int, str]: ...
    def neighbours(self, passage: Passage, before: int = 1, after: int = 1) -> list[Passage]: ...
    # filters
    def allowed_rowids(self, filters: Filters) -> np.ndarray | None: ...
    def filter_documents(self, filters: Filters) -> list[Document]: ...
    def filter_problems(self, filters: Filters) -> list[str]: ...
    # search
    def vector_search(self, qvec: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]: ...
    def sentence_vectors_for(self, rowids: Iterable[int]) -> dict[int, np.ndarray]: ...
    def keyword_search(self, terms: Sequence[str], limit: int, allowed: np.ndarray | None = None,
                       weights: tuple[float, float] = (1.0, 0.25)) -> list[tuple[int, float]]: ...
    def near_search(self, pairs: Sequence[tuple[str, str]], span: int, limit: int, allowed: np.ndarray | None = None,
                    weights: tuple[float, float] = (1.0, 0.25)) -> list[tuple[int, float]]: ...
    def term_count(self, term: str, column: str | None = None) -> int | None: ...
    def term_counts(self, terms: Sequence[str]) -> dict[str, int]: ...
    def documents_without_sentence_vectors(self) -> list[str]: ...
    # changes
    def generation(self) -> int: ...
    def transaction(self) -> AbstractContextManager[None]: ...
    def writer_lock(self) -> AbstractContextManager[None]: ...
    def load_index(self) -> None: ...
    def add_document(self, parsed: ParsedDocument, vectors: np.ndarray, files: Iterable[tuple[str, int, float]],
                     sentence_vectors: Sequence[np.ndarray] | None = None) -> None: ...
    def set_file(self, name: str, doc_id: str, sha256: str, size: int, mtime: float) -> None: ...
    def remove_file(self, name: str) -> None: ...
    def remove_document(self, doc_id: str) -> None: ...
    def update_document(self, doc: Document) -> None: ...
    def get_meta(self, key: str) -> str | None: ...
    def set_meta(self, key: str, value: str | None) -> None: ...
    def meta_keys(self, prefix: str) -> list[str]: ...
    def save(self) -> None: ...
    def close(self) -> None: ...


def store_url(settings: Settings) -> str:
    """The server address a store setting names, or '' for the embedded store; ConfigError for
    an address kb cannot use."""
    url = settings.store.strip()
    if not url or url in ("embedded", "sqlite"):
        return ""
    if not url.startswith(POSTGRES_SCHEMES):
        raise ConfigError(f"KB_STORE={url.split('@')[-1]!r} is not a store kb knows; leave it empty for the embedded "
                          "store or give postgres://USER@HOST:PORT/DATABASE")
    return url


def shard_urls(settings: Settings) -> list[str]:
    urls = [u.strip() for u in settings.store_shards.split(",") if u.strip()]
    bad = [u.split("@")[-1] for u in urls if not u.startswith(POSTGRES_SCHEMES)]
    if bad:
        raise ConfigError(f"KB_STORE_SHARDS holds {bad[0]!r}, not a postgres:// address; give comma-separated "
                          "postgres://USER@HOST:PORT/DATABASE addresses")
    return urls


def open_store(settings: Settings, local_dir: str | Path | None = None) -> Backend:
    """The store the settings name, opened (it must exist)."""
    local = Path(local_dir) if local_dir is not None else settings.kb_path
    url = store_url(settings)
    if url:
        from kb.store.postgres import PostgresStore

        return PostgresStore.open(url, local)
    from kb.store.sqlite import Store

    return Store.open(local)


def create_store(settings: Settings, model: str, dim: int, local_dir: str | Path | None = None) -> Backend:
    """The store the settings name, created for `model` if it does not exist yet."""
    local = Path(local_dir) if local_dir is not None else settings.kb_path
    url = store_url(settings)
    if url:
        from kb.store.postgres import PostgresStore

        return PostgresStore.create(url, local, model, dim, settings.index_threshold, shards=shard_urls(settings))
    from kb.store.sqlite import Store

    return Store.create(local, model, dim, settings.index_threshold)


def stored_manifest(settings: Settings, local_dir: str | Path | None = None) -> dict | None:
    """The manifest of the store the settings name, or None when there is none yet (read without
    opening the store: no index is loaded)."""
    local = Path(local_dir) if local_dir is not None else settings.kb_path
    url = store_url(settings)
    if url:
        from kb.store.postgres import read_manifest

        return read_manifest(url)
    from kb.store.schema import store_manifest

    return store_manifest(local)


def stored_model(settings: Settings, local_dir: str | Path | None = None) -> str | None:
    """The model setting the store was built with ("all-MiniLM-L6-v2", "hash-bow-64" ...), or None."""
    manifest = stored_manifest(settings, local_dir)
    return (str(manifest.get("model", "")).split("@")[0] or None) if manifest else None
