"""Library operations for API users and the app: sync a folder, add uploaded files, remove a
document. A thin layer over ingest's public pipeline and the store.

Uploaded files are kept in `<kb_dir>/uploads/` (never in the user's paper folder) and synced
from there under keys `uploads/<name>`; `kb ingest FOLDER` leaves them alone because removal
is scoped to the folder a file came from.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kb.config import Settings
from kb.errors import IngestError
from kb.store.backend import Backend, open_store, stored_manifest, stored_model
from kb.store.schema import ROOT_KEY
from kb.types import Document

UPLOADS = "uploads"
SUPPORTED = (".pdf", ".txt", ".md", ".markdown")
MAX_BYTES = 50 * 1024 * 1024


def safe_upload_name(name: str) -> str:
    """An uploaded file's name with any directory part removed (no path traversal) and odd
    characters replaced; never empty, never hidden."""
    base = os.path.basename(name.replace("\\", "/")).strip().lstrip(".")
    base = re.sub(r"[^\w.\- ]+", "_", base).strip()
    stem, ext = os.path.splitext(base)
    if len(base) > 120:  # cut the stem, never the extension (the type check reads it)
        ext = ext[:10]
        base = stem[: 120 - len(ext)].strip() + ext
    return base or "upload"


def free_name(folder: Path, name: str, data: bytes) -> str:
    """`name`, or `name (2)`, `name (3)` ... when the uploads folder already holds another file of that
    name with other bytes: an upload never silently replaces a different paper (the same bytes again
    keep the name)."""
    stem, ext = os.path.splitext(name)
    candidate, n = name, 1
    while (folder / candidate).exists() and (folder / candidate).read_bytes() != data:
        n += 1
        candidate = f"{stem} ({n}){ext}"
    return candidate


def _embedder(settings: Settings, embedder: Any | None) -> Any:
    if embedder is not None:
        return embedder
    from kb.embed.load import check_fingerprint, load_embedder

    model = stored_model(settings) or settings.model  # ingest with the model the store was built with
    manifest = stored_manifest(settings)
    if manifest:
        check_fingerprint(model, str(manifest.get("model", "")))  # before any weights are read
    return load_embedder(model, settings.backend, settings.device, settings.max_tokens, settings.precision)


def sync_folder(folder: str | Path, settings: Settings | None = None, embedder: Any | None = None,
                on_file: Callable[[int, int, str, str], None] | None = None, progress: bool = False):
    """`kb ingest FOLDER` as a function: returns the pipeline's SyncReport."""
    from kb.library.seam import sync

    settings = settings or Settings.load()
    return sync(Path(folder), settings.kb_path, _embedder(settings, embedder), settings,
                progress=progress, on_file=on_file)


def check_upload(name: str, data: bytes, max_bytes: int = MAX_BYTES) -> str:
    """The sanitised name of an acceptable upload; IngestError naming the file otherwise."""
    safe = safe_upload_name(name)
    if not safe.lower().endswith(SUPPORTED):
        raise IngestError(f'"{safe}" is not a PDF, TXT or Markdown file; convert it to one of those first')
    if not data:
        raise IngestError(f'"{safe}" is empty (0 bytes); choose the file again')
    if len(data) > max_bytes:
        raise IngestError(f'"{safe}" is larger than {max(1, max_bytes // (1024 * 1024))} MB; split it or use `kb ingest`')
    return safe


def add_files(files: Sequence[tuple[str, bytes]], settings: Settings | None = None, embedder: Any | None = None,
              on_file: Callable[[int, int, str, str], None] | None = None, max_bytes: int = MAX_BYTES):
    """Save uploaded (name, bytes) pairs into the store's uploads folder and ingest them.
    Names are sanitised; an unsupported, empty or oversized file is skipped with its reason
    in the report (and told to `on_file`) while the others go on."""
    from kb.library.seam import sync

    settings = settings or Settings.load()
    embedder = _embedder(settings, embedder)  # before any file is written: a refusal leaves nothing behind
    folder = settings.kb_path / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    rejected: list[tuple[str, str]] = []
    written: list[Path] = []  # files this call adds to the uploads folder
    for name, data in files:
        try:
            safe = check_upload(name, data, max_bytes)
        except IngestError as exc:
            rejected.append((safe_upload_name(name), str(exc)))
            if on_file is not None:
                on_file(len(rejected), len(files), safe_upload_name(name), f"skipped: {exc}")
            continue
        target = folder / free_name(folder, safe, data)
        if not target.exists():
            written.append(target)
        tmp = target.with_name("." + target.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    try:
        report = sync(folder, settings.kb_path, embedder, settings, progress=False,
                      key_prefix=UPLOADS + "/", on_file=on_file)
    except BaseException:  # nothing was ingested: the files this call added must not wait for the next sync
        for target in written:
            target.unlink(missing_ok=True)
        raise
    skipped = {name for name, _ in report.skipped}
    for target in written:  # an upload that could not be read is not kept: it is in no knowledge base
        if f"{UPLOADS}/{target.name}" in skipped:
            target.unlink(missing_ok=True)
    report.skipped[:0] = [(UPLOADS + "/" + n, reason) for n, reason in rejected]
    return report


def remove_document(doc: str, settings: Settings | None = None) -> None:
    """Remove a document (by id, file name, symbol or short title) with its passages and
    vectors. An uploaded file is deleted from the uploads folder too; a file in your own
    folder is left alone (it comes back on the next `kb ingest` of that folder)."""
    settings = settings or Settings.load()
    with open_store(settings) as store:
        found, _ = drop_document(store, doc)
        roots = {n: store.get_meta(ROOT_KEY + n) for n in (found.file, *found.aliases)}
    for name in (found.file, *found.aliases):
        path = uploaded_file(settings.kb_path, name, roots.get(name))
        if path is not None:
            path.unlink(missing_ok=True)


def drop_document(store: Backend, doc: str) -> tuple[Document, int]:
    """Remove a document (by id, file name, symbol or short title) from an open store under the
    writer lock, keeping the vector index current; the document and its passage count."""
    with store.writer_lock():
        found = store.find_document(doc)
        n = store.passage_counts().get(found.doc_id, 0)
        store.load_index()  # so the removal updates it and save() writes it
        with store.transaction():
            store.remove_document(found.doc_id)
        store.save()
    shutil.rmtree(Path(store.path) / "pages" / found.doc_id, ignore_errors=True)  # its source-view page images
    return found, n


def uploaded_file(kb_path: Path, name: str, root: str | None) -> Path | None:
    """The file in the uploads folder that a stored file name stands for, or None: the name must
    have been synced from the uploads folder itself (not from a folder of the user's that has an
    `uploads/` sub-folder) and must resolve to a file inside it (no `..`, no link out)."""
    uploads = (Path(kb_path) / UPLOADS).resolve()
    if not name.startswith(UPLOADS + "/") or root is None or Path(root).resolve() != uploads:
        return None
    path = (Path(kb_path) / name).resolve()
    return path if path.parent == uploads else None
