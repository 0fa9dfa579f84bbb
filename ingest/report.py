"""What a sync reports: the counts, skipped files and duplicates (`SyncReport`), the lines
`kb ingest` prints for it, and the progress bar shown while it runs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SyncReport:
    """What one `sync` did. Counts are files; `passages_written` counts embedded passages."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    metadata_updated: int = 0
    passages_written: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (file, same_as)
    seconds: float = 0.0
    files_read: int = 0  # files the readers parsed (added, updated or re-read for metadata)
    pages_read: int = 0  # PDF pages among them
    embed_seconds: float = 0.0  # main process: the embedding model
    write_seconds: float = 0.0  # main process: SQLite transactions and the FAISS index
    documents: int = 0  # documents in the store afterwards
    passages: int = 0  # passages in the store afterwards
    notes: list[str] = field(default_factory=list)  # advice about the store as a whole

    def summary(self) -> str:
        parts = [f"{self.added} added", f"{self.updated} updated", f"{self.removed} removed",
                 f"{self.unchanged} unchanged"]
        if self.metadata_updated:
            parts.append(f"{self.metadata_updated} metadata updated")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} duplicates")
        return (", ".join(parts) + f"; {plural(self.passages_written, 'passage')} written in {self.seconds:.1f} s; "
                f"knowledge base: {plural(self.documents, 'document')}, {plural(self.passages, 'passage')}")

    def stages(self) -> str:
        """Where the time went: files and pages read (in the reader processes, while the model
        embeds), passages embedded and written, each with its seconds."""
        other = max(self.seconds - self.embed_seconds - self.write_seconds, 0.0)
        pages = f" ({plural(self.pages_read, 'PDF page')})" if self.pages_read else ""
        return (f"stages: read {plural(self.files_read, 'file')}{pages}; "
                f"embedded {plural(self.passages_written, 'passage')} in {self.embed_seconds:.1f} s; "
                f"wrote them in {self.write_seconds:.1f} s; reading and waiting for the readers {other:.1f} s")

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
            "metadata_updated": self.metadata_updated, "passages_written": self.passages_written,
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "duplicates": [{"file": f, "same_as": s} for f, s in self.duplicates],
            "seconds": round(self.seconds, 3), "documents": self.documents, "passages": self.passages,
            "stages": {"read": {"files": self.files_read, "pages": self.pages_read},
                       "embed": {"passages": self.passages_written, "seconds": round(self.embed_seconds, 3)},
                       "write": {"seconds": round(self.write_seconds, 3)}},
            "notes": list(self.notes),
        }


class NoBar:
    total = 0

    def update(self, n: int = 1) -> None: ...
    def set_postfix_str(self, s: str, refresh: bool = True) -> None: ...
    def refresh(self) -> None: ...
    def close(self) -> None: ...


def plural(n: int, noun: str) -> str:
    """ "1 document", "2 documents"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def progress_bar(total: int, enabled: bool, unit: str = "file", desc: str = "read", position: int = 0) -> Any:
    if not enabled:
        return NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, leave=False, position=position, dynamic_ncols=True)


def iter_report_lines(report: SyncReport) -> Iterator[str]:
    """The human summary: one line of counts, then one line per skipped file and duplicate."""
    yield report.summary()
    if report.files_read:
        yield report.stages()
    for f, reason in report.skipped:
        yield f"skipped {f}: {reason}"
    for f, same in report.duplicates:
        yield f"duplicate {f}: same bytes as {same} (kept once)"
    for note in report.notes:
        yield f"note: {note}"


class Progress:
    """The ingest's two bars: files read (with the last file's pages and the pages read so far)
    and passages embedded, whose total grows as the readers deliver; it keeps the report's stage
    counts."""

    def __init__(self, files: int, enabled: bool, report: SyncReport) -> None:
        self.report = report
        self.files = progress_bar(files, enabled)
        self.passages = progress_bar(0, enabled, unit="passage", desc="embed", position=1)

    def read(self, key: str, parsed: Any | None, embeds: bool = True) -> None:
        """A file came back from the readers: its ParsedDocument, or None when it was skipped."""
        self.files.update(1)
        if parsed is None:
            return
        pages = parsed.document.pages
        self.report.files_read += 1
        self.report.pages_read += pages or 0
        if embeds:
            self.passages.total += len(parsed.passages)
            self.passages.refresh()
        name = key.rsplit("/", 1)[-1][-40:]
        read = f"; {plural(self.report.pages_read, 'page')} read" if self.report.pages_read else ""
        self.files.set_postfix_str(f"{name}{f' ({pages} p.)' if pages else ''}{read}", refresh=False)

    def embedded(self, passages: int, since: float) -> float:
        """`passages` were embedded from `since` (time.monotonic()) to now; returns now."""
        now = time.monotonic()
        self.report.embed_seconds += now - since
        self.passages.update(passages)
        return now

    def close(self) -> None:
        self.files.close()
        self.passages.close()
