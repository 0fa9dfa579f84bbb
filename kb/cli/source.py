"""`kb show PASSAGE_ID --page-image FILE.png`: the passage's PDF page(s) with it highlighted."""

from __future__ import annotations

from pathlib import Path

from kb.config import Settings
from kb.errors import QueryError


def write_page_image(passage_id: str, out: Path, settings: Settings, page: int | None = None) -> dict:
    """Write the highlighted page (two pages stacked, for a passage over a page break) to `out`;
    returns what was written, for the terminal and --json."""
    from kb.library.source import page_sheet, source_pages

    pages = source_pages(passage_id, settings, page=page)
    if not pages:
        raise QueryError(f"passage {passage_id} comes from a text file, which has no pages; "
                         "`kb show ID --context 1` shows it with its neighbours")
    try:
        out.write_bytes(page_sheet(pages))
    except OSError as err:
        raise QueryError(f"cannot write {out} ({err.strerror}); give a writable path ending in .png") from None
    return {"path": str(out), "pages": [p.to_dict() for p in pages]}


def describe(written: dict) -> str:
    """'wrote page.png: page 6 (printed 4) of X.pdf, passage highlighted (12 boxes)'."""
    parts = []
    for p in written["pages"]:
        label = f" (printed {p['page_label']})" if p["page_label"] and p["page_label"] != str(p["page"]) else ""
        found = f"passage highlighted ({len(p['boxes'])} boxes)" if p["found"] else "passage not on this page"
        parts.append(f"page {p['page']}{label} of {p['pages']}, {found}")
    return f"wrote {written['path']}: {written['pages'][0]['file']}, " + "; ".join(parts)
