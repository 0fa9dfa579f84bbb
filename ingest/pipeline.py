"""Sync a folder of papers into a kb store: add new files, replace changed ones, drop deleted
ones, skip what did not change (by size+mtime, then by sha256), all without losing the
previous knowledge base when interrupted.

Each document is committed in its own transaction after its vectors are computed, so Ctrl-C
or kill -9 at any moment leaves a consistent store and the next run finishes the work.
Parsing runs in forked worker processes with a per-file time limit; embedding runs here.
A bad file is skipped with a one-line reason and the batch goes on.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ingest import parse as _parse
from ingest.report import Progress, SyncReport, iter_report_lines, plural
from ingest.scan import (
    CATALOG,
    FileState,
    catalog_row,
    file_sha256,
    is_folder_readme,
    scan_folder,
)
from ingest.skips import SKIP_KEY as _SKIP_KEY
from ingest.skips import ocr_state as _ocr_state
from ingest.skips import remembered_skip
from ingest.workers import Outcome, cpu_workers, run_parallel
from kb.config import Settings
from kb.embed.spans import embed_passages, sentence_spans
from kb.errors import IngestError, KBError
from kb.store.backend import Backend, create_store
from kb.store.lock import LOCK_NAME, writer_lock
from kb.store.schema import ROOT_KEY
from kb.types import Document, ParsedDocument

log = logging.getLogger(__name__)

# re-exported: callers import these from the pipeline
__all__ = ["CATALOG", "LOCK_NAME", "FileState", "SyncReport", "catalog_row", "file_sha256", "is_folder_readme",
           "iter_report_lines", "scan_folder", "sync", "writer_lock"]

_CATALOG_KEY = "catalog:"  # meta key prefix: the catalog row a file's metadata came from
_SAVE_EVERY_S = 60.0  # write the FAISS index and manifest at least this often
_EMBED_CHUNK = 256  # passages gathered from several small documents before one encode call


@dataclass
class _Job:
    """A file whose bytes the store does not hold yet (or whose metadata must be refreshed)."""

    state: FileState
    sha: str
    kind: str  # added | updated | metadata
    aliases: list[FileState] = field(default_factory=list)  # other new files with the same bytes


OCR_SHARE = 0.75  # of a file's time limit that OCR may use (the rest: reading, structure, chunking)

def _parse_task(path: Path, key: str, row: dict | None, *, count_tokens: Any, max_tokens: int,
                sentences: bool = False, tokenize: Callable[[list[str]], Any] | None = None,
                ocr: str = "auto", ocr_seconds: float = 90.0) -> ParsedDocument:
    # looked up at call time, so a test can monkeypatch ingest.parse.parse_file
    parsed = _parse.parse_file(path, key, row, count_tokens, max_tokens, ocr=ocr, ocr_seconds=ocr_seconds)
    # sentences split and passages tokenised here, in the reader processes, so that on a GPU the
    # main process only runs the model (tokenising there held it to about 11,000 passages/s)
    if sentences:
        parsed = replace(parsed, sentence_spans=tuple(tuple(sentence_spans(p.text)) for p in parsed.passages))
    if tokenize is not None and parsed.passages:
        # a forked reader must not use `tokenizers`' thread pool (it does not survive a fork), even
        # where the user set TOKENIZERS_PARALLELISM=true for the main process
        os.environ["TOKENIZERS_PARALLELISM"] = "false"
        tokens = tokenize([p.text for p in parsed.passages])
        if tokens is not None:
            parsed = replace(parsed, tokens=tuple(tokens))
    return parsed


FileCallback = Callable[[int, int, str, str], None]  # (done, total, file, outcome)


def sync(folder: Path, store_dir: Path, embedder: Any, settings: Settings, progress: bool = True,
         key_prefix: str = "", on_file: FileCallback | None = None) -> SyncReport:
    """Bring the store at `store_dir` in line with the files under `folder`.

    Files are keyed `key_prefix` + their path in the folder. Only files synced from this same
    folder (or from no recorded folder) are removed when they disappear, so one store can hold
    several folders (the app's uploads beside `kb ingest corpus`). `on_file` hears about every
    file that is read or skipped, for progress displays."""
    t0 = time.monotonic()
    folder = Path(folder)
    if not folder.is_dir():
        raise IngestError(f'folder "{folder}" does not exist or is not a directory; give the folder that holds your papers')
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # tokenizers and fork do not mix otherwise
    # counting the tokens of a long paragraph (to split it) is expected, not a model input: no warning
    logging.getLogger("transformers.tokenization_utils_base").setLevel(logging.ERROR)
    store = create_store(settings, embedder.name, embedder.dim, store_dir)
    try:
        with store.writer_lock():
            report = _Sync(folder, store, embedder, settings, progress, key_prefix, on_file).run()
    except KeyboardInterrupt:
        # every committed document stays; saving now spares the next open a rebuild of the vector
        # index (a transaction cut short has already dropped the in-memory index, so this is safe)
        store.save()
        raise
    finally:
        store.close()
    report.seconds = time.monotonic() - t0
    return report


class _Sync:
    def __init__(self, folder: Path, store: Backend, embedder: Any, settings: Settings, progress: bool,
                 key_prefix: str = "", on_file: FileCallback | None = None) -> None:
        self.folder, self.store, self.embedder, self.settings = folder, store, embedder, settings
        self.progress, self.prefix, self.on_file = progress, key_prefix, on_file
        self.root = str(folder.resolve())
        self.report = SyncReport()
        self.last_save = time.monotonic()
        self.bars = Progress(0, False, self.report)

    # ------------------------------------------------------------------ planning
    def run(self) -> SyncReport:
        store, report = self.store, self.report
        catalog = self._load_catalog()
        files = scan_folder(self.folder, exclude=store.path, prefix=self.prefix, skipped=self.report.skipped)
        stored = store.files()
        docs = {d.doc_id: d for d in store.documents()}
        store.load_index()  # now, so every change below keeps it current and save() writes it
        unchanged: set[str] = set()
        touched: list[FileState] = []  # same bytes, new mtime: just record it
        jobs: dict[str, _Job] = {}  # doc_id -> job
        for key, st in files.items():
            if is_folder_readme(key):
                report.skipped.append((key, (f'"{key}" looks like the folder\'s own README, not a paper; '
                                            "rename it (e.g. notes.md) to ingest it")))
                continue
            try:
                _parse.check_supported(key)
            except KBError as exc:
                report.skipped.append((key, str(exc)))
                continue
            row = stored.get(key)
            if row is not None and row["size"] == st.size and row["mtime"] == st.mtime:
                report.unchanged += 1
                unchanged.add(key)
                continue
            try:
                sha = file_sha256(st.path)
            except OSError as exc:
                report.skipped.append((key, f'cannot read "{key}" ({exc.strerror}); check its permissions'))
                continue
            if row is not None and row["sha256"] == sha:
                report.unchanged += 1
                unchanged.add(key)
                touched.append(st)
                continue
            remembered = remembered_skip(self.store, self.settings.file_timeout, key, sha, _ocr_state(self.settings))
            if remembered:
                report.skipped.append((key, remembered))
                continue
            doc_id = _parse.doc_id_of(sha)
            kind = "updated" if row is not None else "added"
            if doc_id in docs:
                self._link(st, sha, docs[doc_id], kind, files)
            elif doc_id in jobs:
                jobs[doc_id].aliases.append(st)
            else:
                jobs[doc_id] = _Job(st, sha, kind)
        if touched:
            with store.transaction():
                for st in touched:
                    r = stored[st.key]
                    store.set_file(st.key, r["doc_id"], r["sha256"], st.size, st.mtime)
        todo = list(jobs.values())
        if catalog or not (self.folder / CATALOG).exists():  # an unusable catalog keeps the metadata
            todo += self._metadata_jobs(files, unchanged, catalog)
        self._run_jobs(todo, catalog)
        for key in sorted(k for k in set(stored) - set(files) if self._owned(k)):
            with store.transaction():
                store.remove_file(key)
                store.set_meta(_CATALOG_KEY + key, None)
                store.set_meta(ROOT_KEY + key, None)
            report.removed += 1
        with store.transaction():
            for k in store.meta_keys(_SKIP_KEY):
                key = k[len(_SKIP_KEY):]
                if key not in files and key.startswith(self.prefix) and self._owned(key):
                    store.set_meta(k, None)
        store.save()
        report.documents = len(store.documents())
        report.passages = store.passage_count()
        # a store created since sentence vectors says so in its manifest; only older ones are checked
        older = self.settings.sentence_vectors and "sentence_vectors" not in store.manifest
        stale = store.documents_without_sentence_vectors() if older else []
        if stale:
            report.notes.append(
                f"{len(stale)} of {report.documents} documents were embedded by an older kb without sentence vectors "
                "and rank a little lower; to rebuild, ingest the folder into a new directory (`kb ingest FOLDER "
                "--kb NEW_DIR`) or delete this knowledge base and run `kb ingest` again")
        return report

    def _owned(self, key: str) -> bool:
        """Whether a stored file came from this folder (files of no recorded folder count too)."""
        return (self.store.get_meta(ROOT_KEY + key) or self.root) == self.root

    def _tell(self, key: str, outcome: str) -> None:
        if self.on_file is not None:
            self._told += 1
            self.on_file(self._told, self._total, key, outcome)

    def _load_catalog(self) -> dict[str, dict]:
        if not (self.folder / CATALOG).exists():
            return {}
        from ingest.metadata import load_catalog

        catalog = load_catalog(self.folder)
        if not catalog:
            log.warning("%s has no usable rows; documents keep the metadata they have", CATALOG)
        return catalog

    def _metadata_jobs(self, files: dict[str, FileState], unchanged: set[str], catalog: dict[str, dict]) -> list[_Job]:
        """Unchanged documents whose catalog row changed: re-read for metadata, no re-embedding."""
        out = []
        for doc in self.store.documents():
            key = doc.file
            if key not in unchanged:
                continue
            row = catalog_row(catalog, key)
            if _row_json(row) != (self.store.get_meta(_CATALOG_KEY + key) or _row_json(None)):
                out.append(_Job(files[key], doc.sha256, "metadata"))
        return out

    def _link(self, st: FileState, sha: str, doc: Document, kind: str, files: dict[str, FileState]) -> None:
        """A file whose bytes the store already holds: record it as another name of that document."""
        store = self.store
        with store.transaction():
            store.remove_file(st.key)  # a no-op for a new name
            store.set_file(st.key, doc.doc_id, sha, st.size, st.mtime)
            store.set_meta(ROOT_KEY + st.key, self.root)
            names = store.file_names(doc.doc_id)
            current = store.document(doc.doc_id)
            primary = current.file if current.file in names else names[0]
            store.update_document(replace(current, file=primary, aliases=tuple(n for n in names if n != primary)))
        holders = [n for n in [doc.file, *doc.aliases] if n in files and n != st.key]
        if holders:
            self.report.duplicates.append((st.key, holders[0]))
        else:  # renamed or moved: the old name goes in the removal step
            setattr(self.report, kind, getattr(self.report, kind) + 1)

    # ------------------------------------------------------------------ parsing and writing
    def _run_jobs(self, todo: list[_Job], catalog: dict[str, dict]) -> None:
        if not todo:
            return
        by_key = {job.state.key: job for job in todo}
        tasks = [(job.state.key, (job.state.path, job.state.key, catalog_row(catalog, job.state.key))) for job in todo]
        # bound before the fork: the embedder's tokenizer is inherited by the workers, never pickled
        fn = functools.partial(_parse_task, count_tokens=self.embedder.count_tokens, ocr=self.settings.ocr,
                               max_tokens=self.settings.max_tokens, sentences=self.settings.sentence_vectors,
                               tokenize=getattr(self.embedder, "tokenize_passages", None),
                               ocr_seconds=OCR_SHARE * self.settings.file_timeout)
        load = getattr(self.embedder, "load", None)
        if callable(load):  # a lazy embedder loads here, before the workers fork and tokenise
            load()
        self.bars = Progress(len(tasks), self.progress, self.report)
        self._told, self._total = 0, len(tasks)
        buffered: list[tuple[_Job, ParsedDocument]] = []
        try:
            results = run_parallel(fn, tasks, workers=cpu_workers(2), timeout=self.settings.file_timeout)
            for key, outcome in results:
                job = by_key[key]
                self.bars.read(key, outcome.value if outcome.ok else None, embeds=job.kind != "metadata")
                if not outcome.ok:
                    self._failed(job, outcome)
                    self._tell(key, "skipped: " + (self.report.skipped[-1][1] if self.report.skipped else outcome.reason))
                elif job.kind == "metadata":
                    self._update_metadata(job, outcome.value, catalog)
                else:
                    buffered.append((job, outcome.value))
                    self._tell(key, f"{job.kind} ({plural(len(outcome.value.passages), 'passage')})")
                    if sum(len(p.passages) for _, p in buffered) >= _EMBED_CHUNK:
                        self._write(buffered, catalog)
                        buffered = []
            self._write(buffered, catalog)
        finally:
            self.bars.close()

    def _write(self, buffered: list[tuple[_Job, ParsedDocument]], catalog: dict[str, dict]) -> None:
        """Embed the buffered documents together, then commit each in its own transaction."""
        if not buffered:
            return
        texts = [p.text for _, parsed in buffered for p in parsed.passages]
        # the readers' tokens, when every document has them (the embedder made them), and each
        # passage's document, so that its vectors do not depend on which documents share the call
        ahead = ({"tokens": [t for _, parsed in buffered for t in parsed.tokens],
                  "groups": [d for d, (_, parsed) in enumerate(buffered) for _ in parsed.passages]}
                 if all(len(parsed.tokens) == len(parsed.passages) for _, parsed in buffered) and texts else {})
        t0 = time.monotonic()
        if self.settings.sentence_vectors:
            spans = [sp for _, parsed in buffered
                     for sp in (parsed.sentence_spans or [sentence_spans(p.text) for p in parsed.passages])]
            vectors, sentences = embed_passages(self.embedder, texts, batch_size=self.settings.batch_size, spans=spans,
                                                **ahead)
        else:
            vectors = self.embedder.encode(texts, batch_size=self.settings.batch_size, **ahead)
            sentences = [None] * len(texts)
        t1 = self.bars.embedded(len(texts), since=t0)
        store, start = self.store, 0
        for job, parsed in buffered:
            n = len(parsed.passages)
            vecs, svecs, start = vectors[start:start + n], sentences[start:start + n], start + n
            doc = replace(parsed.document, aliases=tuple(a.key for a in job.aliases))
            with store.transaction():
                for s in [job.state, *job.aliases]:  # the old versions of changed files go
                    store.remove_file(s.key)
                files = [(s.key, s.size, s.mtime) for s in [job.state, *job.aliases]]
                store.add_document(replace(parsed, document=doc), vecs, files,
                                   sentence_vectors=svecs if self.settings.sentence_vectors else None)
                for s in [job.state, *job.aliases]:
                    store.set_meta(_SKIP_KEY + s.key, None)
                    store.set_meta(ROOT_KEY + s.key, self.root)
                store.set_meta(_CATALOG_KEY + job.state.key, _row_json(catalog_row(catalog, job.state.key)))
            setattr(self.report, job.kind, getattr(self.report, job.kind) + 1)
            self.report.passages_written += n
            for a in job.aliases:
                self.report.duplicates.append((a.key, job.state.key))
            for w in parsed.warnings:
                log.info("%s: %s", job.state.key, w)
        if time.monotonic() - self.last_save > _SAVE_EVERY_S:
            store.save()
            self.last_save = time.monotonic()
        self.report.write_seconds += time.monotonic() - t1

    def _update_metadata(self, job: _Job, parsed: ParsedDocument, catalog: dict[str, dict]) -> None:
        store = self.store
        with store.transaction():
            current = store.document(parsed.document.doc_id)
            store.update_document(replace(parsed.document, file=current.file, aliases=current.aliases))
            store.set_meta(_CATALOG_KEY + job.state.key, _row_json(catalog_row(catalog, job.state.key)))
        self.report.metadata_updated += 1

    def _failed(self, job: _Job, outcome: Outcome) -> None:
        key = job.state.key
        reason = skip_reason(key, outcome)
        if job.kind == "metadata":
            log.warning("metadata of %s not refreshed: %s", key, reason)
            return
        self.report.skipped.append((key, reason))
        for a in job.aliases:
            self.report.skipped.append((a.key, f'same bytes as "{key}", which was skipped'))
        store = self.store
        with store.transaction():
            if job.kind == "updated":  # the old version no longer matches the file: drop it
                store.remove_file(key)
                store.set_meta(_CATALOG_KEY + key, None)
            if not outcome.internal:
                slow = outcome.reason.startswith("timed out") or "KB_FILE_TIMEOUT" in outcome.reason
                timeout = self.settings.file_timeout if slow else None  # a longer limit will retry it
                for s in [job.state, *job.aliases]:
                    store.set_meta(_SKIP_KEY + s.key, json.dumps({"sha256": job.sha, "reason": reason,
                                                                   "timeout": timeout, "ocr": _ocr_state(self.settings)}))


def skip_reason(key: str, outcome: Outcome) -> str:
    """The one-line reason a file that could not be read is skipped with."""
    if outcome.internal:
        reason = (f'internal error reading "{key}" ({outcome.reason}); the file was skipped, '
                  "please report this with the file")
        log.warning("%s\n%s", reason, outcome.detail)
        return reason
    if outcome.reason.startswith("timed out"):
        return (f'reading "{key}" {outcome.reason}; skipped (raise the limit with --timeout or '
                "KB_FILE_TIMEOUT if the file is just large)")
    return outcome.reason


def _row_json(row: dict | None) -> str:
    return json.dumps(row or {}, sort_keys=True, default=str)


