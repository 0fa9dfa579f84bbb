"""One file -> one `ParsedDocument`: pick the reader by suffix, find the structure, chunk,
attach the metadata. The sync pipeline runs this in a worker process, one file at a time."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from kb.errors import EmptyDocumentError, IngestError, UnsupportedFileError
from kb.types import Document, ParsedDocument

# suffix -> the reader family
SUPPORTED = {".pdf": "pdf", ".txt": "text", ".md": "markdown", ".markdown": "markdown"}
_DOC_FIELDS = {f.name for f in fields(Document)}
# set by parse_file itself, never taken from metadata
_OWN_FIELDS = {"doc_id", "file", "sha256", "pages", "fmt", "flags", "aliases"}


def check_supported(name: str) -> None:
    """Raise UnsupportedFileError unless kb has a reader for the file's suffix."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED:
        what = f"{suffix} files are" if suffix else "files without an extension are"
        raise UnsupportedFileError(
            f'cannot read "{name}": {what} not supported; kb reads {", ".join(SUPPORTED)} '
            "(convert it to PDF or plain text, or move it out of the folder)")


def doc_id_of(sha256_hex: str) -> str:
    """A document id is the first 16 hex digits of the sha256 of its bytes."""
    return sha256_hex[:16]


def read_raw(path: Path, name: str, ocr: str = "auto", ocr_seconds: float = 90.0):
    """The reader's RawDocument for a supported file (readers imported only when needed); `ocr`
    and `ocr_seconds` as in `ingest.pdf_reader.read_pdf`."""
    if SUPPORTED[Path(name).suffix.lower()] == "pdf":
        from ingest.pdf_reader import read_pdf

        return read_pdf(path, ocr_mode=ocr, ocr_seconds=ocr_seconds)
    from ingest.text_reader import read_text

    return read_text(path)


def parse_file(path: Path, name: str, catalog_row: dict | None, count_tokens: Callable[[str], int],
               max_tokens: int = 256, ocr: str = "auto", ocr_seconds: float = 90.0) -> ParsedDocument:
    """Read, structure and chunk one file. Raises IngestError subclasses with a one-line reason."""
    from ingest.chunk import to_passages
    from ingest.metadata import document_fields
    from ingest.structure import to_blocks

    check_supported(name)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise IngestError(f'cannot read "{name}" ({exc.strerror}); check that the file exists and is readable') from None
    if not data:
        raise EmptyDocumentError(f'"{name}" is empty (0 bytes); replace it with the full file or remove it')
    sha = hashlib.sha256(data).hexdigest()
    doc_id = doc_id_of(sha)
    raw = read_raw(Path(path), name, ocr, ocr_seconds)
    flags = tuple(str(f) for f in raw.meta.get("flags", ()))
    if any(f == "stub" or f.endswith("-stub") for f in flags):
        reason = raw.meta.get("stub_reason") or raw.meta.get("reason") or (
            "a placeholder page saying the document does not exist" if "missing-document-stub" in flags
            else "a placeholder page with no document text")
        raise EmptyDocumentError(f'"{name}" holds no document text ({reason}); replace it with the real document')
    passages = to_passages(to_blocks(raw), doc_id, count_tokens, max_tokens)
    if not passages:
        raise EmptyDocumentError(
            f'no text could be extracted from "{name}" (blank, or a scanned image without a text layer?); '
            "use a version with text or OCR it first")
    document = make_document(raw, name, sha, document_fields(raw, name, catalog_row), flags)
    return ParsedDocument(document=document, passages=tuple(passages), warnings=tuple(raw.warnings))


def make_document(raw: Any, name: str, sha: str, meta: dict, flags: tuple[str, ...] = ()) -> Document:
    """A Document from the metadata fields plus what only the file itself can say."""
    values = {k: v for k, v in meta.items() if k in _DOC_FIELDS and k not in _OWN_FIELDS}
    if not values.get("title"):
        values["title"] = Path(name).stem
    if not values.get("language") and raw.meta.get("language"):
        values["language"] = raw.meta["language"]
    return Document(doc_id=doc_id_of(sha), file=name, sha256=sha, pages=raw.pages, fmt=raw.fmt,
                    flags=flags, **values)
