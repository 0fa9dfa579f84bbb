"""The source view: the PDF page a passage comes from, rendered, with the passage highlighted.

`source_pages(passage_id)` finds the passage's file (the folder it was ingested from, or the
store's uploads), renders each page the passage stands on with pypdfium2 and locates the
passage's characters on it: the passage text and the page text are compared as letters and
digits only (line breaks, hyphens, ligatures and spacing differ between extractors), and the
located characters' rectangles become the highlight boxes, in pixels of the returned image.
Plain page images are cached per store (`<kb>/pages/`); the highlight is drawn per call. A text
or Markdown source has no pages: callers show the paragraph with its neighbours instead.
"""

from __future__ import annotations

import difflib
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from kb.config import Settings
from kb.errors import NotFoundError
from kb.store.backend import Backend, open_store
from kb.store.schema import ROOT_KEY
from kb.types import Document, Passage

PAGES_DIR = "pages"
SCALE = 1.5  # pixels per PDF point: a 595 x 842 pt page renders at 893 x 1263
MIN_BLOCK = 20  # letters and digits a fallback match must share with the page in one run
MIN_SHARE = 0.15  # of the passage's letters the fallback runs on a page must hold together
HIGHLIGHT = (255, 214, 0, 90)  # RGBA
UPLOADS = "uploads"


@dataclass(frozen=True)
class SourcePage:
    """One rendered page of a passage's source, with the passage's boxes on it."""

    doc_id: str
    file: str
    page: int  # 1-based PDF page
    page_label: str | None  # the printed page number, where known
    pages: int  # pages in the document
    png: bytes  # the page image with the highlight drawn
    width: int
    height: int
    boxes: tuple[tuple[int, int, int, int], ...]  # (left, top, right, bottom) in image pixels
    found: bool  # the passage's text was located on this page

    def to_dict(self) -> dict:
        return {"doc_id": self.doc_id, "file": self.file, "page": self.page, "page_label": self.page_label,
                "pages": self.pages, "width": self.width, "height": self.height,
                "boxes": [list(b) for b in self.boxes], "found": self.found}


def source_file(store: Backend, doc: Document) -> Path:
    """Where the document's file is now: the folder it was ingested from, or the uploads folder.
    Raises NotFoundError (one line) when it has moved or been deleted."""
    tried = []
    for name in (doc.file, *doc.aliases):
        root = store.get_meta(ROOT_KEY + name)
        if root is None:
            continue
        uploads = (Path(store.path) / UPLOADS).resolve()
        path = Path(store.path) / name if Path(root).resolve() == uploads else Path(root) / name
        if path.is_file():
            if not _same_bytes(path, doc.sha256):
                raise NotFoundError(f'"{path}" has changed since it was ingested; run `kb ingest` on its folder '
                                    "again to see its pages")
            return path
        tried.append(str(path))
    where = tried[0] if tried else doc.file
    raise NotFoundError(f'the source file of "{doc.file}" is not at {where} (moved or deleted?); put it back '
                        "or ingest its folder again to see its pages")


def _same_bytes(path: Path, sha256: str) -> bool:
    """Whether the file still holds the bytes that were ingested (its pages are the passage's)."""
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == sha256


def _letters(text: str) -> tuple[str, list[int]]:
    """The text's letters and digits, lower-cased and NFKC-normalised (ligatures split), with
    each one's index in `text`."""
    out, where = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            if c.isalnum():
                out.append(c.lower())
                where.append(i)
    return "".join(out), where


def locate(passage_text: str, page_text: str) -> list[tuple[int, int]]:
    """(start, end) character ranges of `page_text` that hold the passage: one range when the
    passage stands on the page whole, else the runs of its text found there (a passage split
    over two pages, or cleaned of a footnote mark)."""
    needle, _ = _letters(passage_text)
    hay, where = _letters(page_text)
    if not needle or not hay:
        return []
    at = hay.find(needle)
    if at >= 0:
        return [(where[at], where[at + len(needle) - 1] + 1)]
    matcher = difflib.SequenceMatcher(None, needle, hay, autojunk=False)
    blocks = [b for b in matcher.get_matching_blocks() if b.size >= MIN_BLOCK]
    if sum(b.size for b in blocks) < MIN_SHARE * len(needle):
        return []  # scattered coincidences, not the passage
    runs = [(where[b.b], where[b.b + b.size - 1] + 1) for b in blocks]
    merged: list[tuple[int, int]] = []
    for a, z in sorted(runs):
        if merged and a <= merged[-1][1] + 3:
            merged[-1] = (merged[-1][0], max(z, merged[-1][1]))
        else:
            merged.append((a, z))
    return merged


def _page_image(store: Backend, doc: Document, pdf, index: int):
    """The page rendered at SCALE, from the store's cache when it is there."""
    from PIL import Image

    cache = Path(store.path) / PAGES_DIR / doc.doc_id / f"{index + 1}.png"
    if cache.is_file():
        try:
            return Image.open(cache).convert("RGB")
        except OSError:
            pass  # a damaged cache file: render again
    image = pdf[index].render(scale=SCALE).to_pil().convert("RGB")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        image.save(tmp, "PNG")
        tmp.replace(cache)
    except OSError:
        pass  # a read-only store still shows the page
    return image


def _render(store: Backend, doc: Document, path: Path, page: int, passage: Passage | None):
    """(page image, highlight boxes, page count); pypdfium2 calls only (under PDFIUM_LOCK)."""
    import pypdfium2

    try:
        pdf = pypdfium2.PdfDocument(str(path))
    except pypdfium2.PdfiumError as err:
        raise NotFoundError(f'"{doc.file}" cannot be opened as a PDF now ({err}); put back the file that was '
                            "ingested, or ingest its folder again") from None
    try:
        total = len(pdf)
        if not 1 <= page <= total:
            raise NotFoundError(f'"{doc.file}" has {total} pages; there is no page {page}')
        image = _page_image(store, doc, pdf, page - 1)
        boxes: list[tuple[int, int, int, int]] = []
        if passage is not None:
            pdf_page = pdf[page - 1]
            textpage = pdf_page.get_textpage()
            height = pdf_page.get_height()
            for a, z in locate(passage.text, textpage.get_text_range()):
                for i in range(textpage.count_rects(a, z - a)):
                    left, bottom, right, top = textpage.get_rect(i)
                    boxes.append((int(left * SCALE), int((height - top) * SCALE),
                                  int(right * SCALE) + 1, int((height - bottom) * SCALE) + 1))
        return image, boxes, total
    finally:
        pdf.close()


def render_page(store: Backend, doc: Document, path: Path, page: int, passage: Passage | None) -> SourcePage:
    """Page `page` (1-based) of the PDF at `path`, with `passage` highlighted where it stands."""
    from PIL import Image, ImageDraw

    from kb.library.seam import pdfium_lock  # PDFium is not thread-safe: one call at a time per process

    with pdfium_lock():
        image, boxes, total = _render(store, doc, path, page, passage)
    if boxes:
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        for box in boxes:
            draw.rectangle(box, fill=HIGHLIGHT)
        image = Image.alpha_composite(image.convert("RGBA"), layer).convert("RGB")
    buf = io.BytesIO()
    image.save(buf, "PNG")
    label = passage.page_label if passage is not None and page == passage.page_start else None
    return SourcePage(doc_id=doc.doc_id, file=doc.file, page=page, page_label=label, pages=total,
                      png=buf.getvalue(), width=image.width, height=image.height, boxes=tuple(boxes),
                      found=bool(boxes))


def page_sheet(pages: list[SourcePage], gap: int = 16) -> bytes:
    """One PNG of the pages stacked top to bottom (both pages of a passage over a page break)."""
    from PIL import Image

    images = [Image.open(io.BytesIO(p.png)) for p in pages]
    sheet = Image.new("RGB", (max(i.width for i in images), sum(i.height for i in images) + gap * (len(images) - 1)),
                      "white")
    y = 0
    for image in images:
        sheet.paste(image, (0, y))
        y += image.height + gap
    buf = io.BytesIO()
    sheet.save(buf, "PNG")
    return buf.getvalue()


def source_pages(passage_id: str, settings: Settings | None = None, page: int | None = None) -> list[SourcePage]:
    """The pages a passage stands on (both, for a passage over two pages), highlighted; with
    `page`, that page of its document instead (previous / next), highlighted where the passage is
    on it. Empty for a text or Markdown source. Raises NotFoundError for an unknown passage or a
    source file that has moved."""
    settings = settings or Settings.load()
    with open_store(settings) as store:
        passage = store.passage(passage_id)
        doc = store.document(passage.doc_id)
        if doc.fmt != "pdf" or passage.page_start is None:
            return []
        path = source_file(store, doc)
        pages = [page] if page is not None else list(range(passage.page_start, (passage.page_end or passage.page_start) + 1))
        first, last = passage.page_start, passage.page_end or passage.page_start
        return [render_page(store, doc, path, p, passage if first <= p <= last else None) for p in pages]
