"""What the HTTP API and the MCP server share: the operations, with the CLI's JSON, run on a
bounded pool of worker threads, each with its own KnowledgeBase (SQLite connections stay in
their thread) over one embedding model loaded once; a knowledge base is reopened when the
store's generation changes (an ingest by this service or by `kb ingest`), so readers go on
while one writer works; every operation has a time limit."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from kb.config import Settings
from kb.errors import KBError, QueryError
from kb.types import Filters, passage_record

MAX_K = 100
BATCH_WINDOW = 0.004  # seconds the batcher waits for more searches after the first
MAX_BATCH = 32


class TimedOut(KBError):
    """An operation ran past the service's time limit."""


class Busy(KBError):
    """A write was asked for while another is running."""


def filters_of(doc: list[str] | None = None, publisher: list[str] | None = None, kind: list[str] | None = None,
               year_min: int | None = None, year_max: int | None = None, language: list[str] | None = None,
               all_versions: bool = False) -> Filters:
    return Filters(docs=tuple(doc or ()), publishers=tuple(publisher or ()), kinds=tuple(kind or ()),
                   year_min=year_min, year_max=year_max, all_versions=all_versions, languages=tuple(language or ()))


def _k(k: int | None, default: int) -> int:
    if k is None:
        return default
    if not 1 <= k <= MAX_K:
        raise QueryError(f"k={k} is out of range; use 1 to {MAX_K}")
    return k


def _text(q: str) -> str:
    if not q or not q.strip():
        raise QueryError("the question is empty; pass q=... with some words")
    return q


# ---- operations: (knowledge base, arguments) -> the CLI's --json object -------------------------
def op_search(kbase, q: str, k: int | None, filters: Filters) -> dict:
    return kbase.search_record(q, kbase.search(_text(q), k=_k(k, kbase.settings.k), filters=filters))


def op_ask(kbase, q: str, k: int | None, filters: Filters) -> dict:
    from kb.answers.ask import SOURCES, ask

    return ask(kbase, _text(q), k=_k(k, SOURCES), filters=filters).to_dict()


def op_quote(kbase, q: str, k: int | None, filters: Filters) -> dict:
    from kb.answers.quotes import find_quotes

    return {"quotes": [x.to_dict() for x in find_quotes(kbase, _text(q), k=_k(k, 5), filters=filters)]}


def op_check(kbase, q: str, k: int | None, filters: Filters) -> dict:
    from kb.answers.check import RETRIEVE, check_claim

    return check_claim(kbase, _text(q), filters=filters, k=_k(k, RETRIEVE)).to_dict()


def op_compare(kbase, q: str, k: int | None, filters: Filters) -> dict:
    from kb.answers.compare import compare

    return compare(kbase, _text(q), per_doc=_k(k, 2), filters=filters).to_dict()


def op_documents(kbase) -> dict:
    from kb.search.versions import document_records

    return {"documents": document_records(kbase.store)}


def op_passage(kbase, passage_id: str) -> dict:
    from kb.answers.cite import full_reference, short_reference

    p, d = kbase.passage(passage_id)
    return passage_record(p, d) | {"reference": full_reference(d, p), "short_reference": short_reference(d, p)}


def op_page_image(kbase, passage_id: str, page: int | None) -> bytes:
    from kb.library.source import page_sheet, source_pages

    pages = source_pages(passage_id, kbase.settings, page=page)
    if not pages:
        raise QueryError(f"passage {passage_id} comes from a text file, which has no pages")
    return page_sheet(pages)


class _Batcher:
    """Searches that arrive together are run as one `search_many` (one model call for all their
    questions; the same hits as one by one): a collector thread waits BATCH_WINDOW after the
    first request, then runs everything queued, grouped by k and filters."""

    def __init__(self, svc: Service) -> None:
        self.svc = svc
        self.items: list[tuple[str, int | None, Filters, Future]] = []
        self.ready = threading.Condition()
        threading.Thread(target=self._loop, name="kb-search-batcher", daemon=True).start()

    def submit(self, q: str, k: int | None, filters: Filters) -> Future:
        future: Future = Future()
        with self.ready:
            self.items.append((q, k, filters, future))
            self.ready.notify()
        return future

    def _loop(self) -> None:
        while True:
            with self.ready:
                while not self.items:
                    self.ready.wait()
            time.sleep(BATCH_WINDOW)
            with self.ready:
                batch, self.items = self.items[:MAX_BATCH], self.items[MAX_BATCH:]
            # a request that timed out meanwhile was cancelled: it is left out, the others go on
            batch = [item for item in batch if item[3].set_running_or_notify_cancel()]
            groups: dict[tuple, list] = {}
            for item in batch:
                groups.setdefault((item[1], item[2]), []).append(item)
            for (k, filters), items in groups.items():
                self._answer(k, filters, items)

    def _answer(self, k: int | None, filters: Filters, items: list) -> None:
        try:
            kbase = self.svc.knowledge_base()
            results = kbase.search_many([q for q, *_ in items], k=_k(k, kbase.settings.k), filters=filters)
            answers = [kbase.search_record(q, hits) for (q, *_), hits in zip(items, results)]
        except Exception as exc:  # noqa: BLE001 - each request of the group gets the error
            for *_, future in items:
                future.set_exception(exc)
            return
        for (*_, future), answer in zip(items, answers):
            future.set_result(answer)


class Service:
    """One per process: the pool, the shared model, the writer flag, the search batcher."""

    def __init__(self, settings: Settings, workers: int = 4, timeout: float = 60.0) -> None:
        self.settings, self.timeout = settings, timeout
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kb-worker")
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-writer")
        self._local = threading.local()
        self._embedder: Any = None
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        self._batcher = _Batcher(self)

    async def search(self, q: str, k: int | None, filters: Filters) -> dict:
        """A search, batched with the others that arrive at the same moment, within the time limit."""
        if not q or not q.strip():
            raise QueryError("the question is empty; pass q=... with some words")
        future = asyncio.wrap_future(self._batcher.submit(q, k, filters))
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            raise TimedOut(f"the request took longer than {self.timeout:g} s; ask for less or start the server "
                           "with a longer --timeout") from None

    def knowledge_base(self):
        """This thread's KnowledgeBase, reopened when the store changed since it was opened."""
        from kb.search.knowledge_base import KnowledgeBase

        kbase = getattr(self._local, "kb", None)
        if kbase is not None and kbase.store.generation() == self._local.generation:
            return kbase
        if kbase is not None:
            kbase.close()
        with self._lock:  # the model is loaded by the first thread, then shared
            kbase = KnowledgeBase.open(self.settings.kb_path, settings=self.settings, embedder=self._embedder)
            if self._embedder is None:
                self._embedder = kbase.embedder
        self._local.kb, self._local.generation = kbase, kbase.store.generation()
        return kbase

    def embedder(self):
        with self._lock:
            return self._embedder

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """fn(knowledge base, *args) on the pool, within the time limit."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self.pool, lambda: fn(self.knowledge_base(), *args))
        try:
            return await asyncio.wait_for(future, self.timeout)
        except TimeoutError:
            raise TimedOut(f"the request took longer than {self.timeout:g} s; ask for less (smaller k, "
                           "fewer documents) or start the server with a longer --timeout") from None

    async def write(self, fn: Callable[[], Any]) -> Any:
        """A write (ingest, remove) on the one writer thread; Busy while another runs."""
        if not self._writing.acquire(blocking=False):
            raise Busy("an ingest or removal is already running on this server; try again when it has finished")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.writer, fn)
        finally:
            self._writing.release()

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.writer.shutdown(wait=False, cancel_futures=True)
