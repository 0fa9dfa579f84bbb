"""What a sync reports: the counts, skipped files and duplicates (`SyncReport`), the lines
`kb ingest` prints for it, and the progress bar shown while it runs."""

from __future__ import annotations

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added, "updated": self.updated, "removed": self.removed, "unchanged": self.unchanged,
            "metadata_updated": self.metadata_updated, "passages_written": self.passages_written,
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "duplicates": [{"file": f, "same_as": s} for f, s in self.duplicates],
            "seconds": round(self.seconds, 3), "documents": self.documents, "passages": self.passages,
            "notes": list(self.notes),
        }


class NoBar:
    def update(self, n: int = 1) -> None: ...
    def set_postfix_str(self, s: str, refresh: bool = True) -> None: ...
    def close(self) -> None: ...


def plural(n: int, noun: str) -> str:
    """ "1 document", "2 documents"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def progress_bar(total: int, enabled: bool) -> Any:
    if not enabled:
        return NoBar()
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc="ingest", leave=False)


def iter_report_lines(report: SyncReport) -> Iterator[str]:
    """The human summary: one line of counts, then one line per skipped file and duplicate."""
    yield report.summary()
    for f, reason in report.skipped:
        yield f"skipped {f}: {reason}"
    for f, same in report.duplicates:
        yield f"duplicate {f}: same bytes as {same} (kept once)"
    for note in report.notes:
        yield f"note: {note}"
