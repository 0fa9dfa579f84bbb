"""The one door from kb into ingest/ (files -> passages).

ingest/ imports kb's store, embed and types, so kb must never import ingest at module level
(that would be a circle between the two packages, and `import kb` would pull in the PDF readers).
The two callers that need the pipeline, the CLI's `kb ingest` and the library functions behind
the app's upload, go through these functions, which import ingest's public pipeline only when
called. Nothing else in kb names ingest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def sync(*args: Any, **kwargs: Any) -> Any:
    """`ingest.pipeline.sync`: bring a store up to date with a folder; returns its SyncReport."""
    from ingest.pipeline import sync as run

    return run(*args, **kwargs)


def report_lines(report: Any) -> Iterator[str]:
    """`ingest.pipeline.iter_report_lines`: the lines `kb ingest` prints for a SyncReport."""
    from ingest.pipeline import iter_report_lines

    return iter_report_lines(report)


def pdfium_lock() -> Any:
    """`ingest.ocr.PDFIUM_LOCK`: PDFium is not thread-safe, so the source view renders under the
    same lock as OCR."""
    from ingest.ocr import PDFIUM_LOCK

    return PDFIUM_LOCK
