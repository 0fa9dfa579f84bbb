"""PDF reader: a PDF file -> `RawDocument`, a stream of clean `Line`s that know their page.

pypdf extracts text page by page; `ingest.clean` normalises it, drops running headers and
footers, separates footnotes and rejoins hyphenated words; `ingest.pagenum` finds the printed
page numbers; `ingest.quality` flags stubs, noisy OCR layers and doubled letters.
"""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Any, NamedTuple, Self

from pypdf import PdfReader

from ingest import clean, ocr, pagenum, quality
from ingest.model import Line, RawDocument
from kb.errors import EmptyDocumentError, IngestError

log = logging.getLogger(__name__)

FIRST_TEXT_CHARS = 3000
MAX_PYPDF_MESSAGES = 20
MIN_TEXT_PER_PAGE = 5  # fewer letters and digits than this per page (and none at all): no text layer
MIN_PAGE_TEXT = 20  # a page with fewer letters and digits has no usable text layer (OCR it)
OCR_FOUND_NOTHING = "OCR found no text on the pages without a text layer"
GARBLED_PAGE_SHARE = 0.70  # a scanned page whose words are English words less often than this is garbled
MIN_GARBLED_WORDS = 40  # lower-case words a page needs before its share is judged


def _one_line(err: BaseException) -> str:
    msg = " ".join(str(err).split()) or type(err).__name__
    return msg[:200]


def _open(path: Path, password: str | None) -> PdfReader:
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as err:
        raise IngestError(f'cannot read "{name}" ({_one_line(err)}); check the path and its permissions') from err
    if size == 0:
        raise IngestError(f'"{name}" is an empty file (0 bytes); download or copy it again, or remove it')
    try:
        reader = PdfReader(path)
        encrypted = reader.is_encrypted
    except Exception as err:  # pypdf raises many types on damaged files
        raise IngestError(f'"{name}" is not a readable PDF ({_one_line(err)}); repair it (e.g. qpdf) '
                          "or remove it") from err
    if encrypted:
        _decrypt(reader, name, password)
    return reader


def _decrypt(reader: PdfReader, name: str, password: str | None) -> None:
    try:
        ok = reader.decrypt(password or "")
    except Exception as err:  # missing `cryptography`, unsupported algorithm
        raise IngestError(f'"{name}" is encrypted and cannot be decrypted ({_one_line(err)}); '
                          "remove the encryption (e.g. qpdf --decrypt) and add it again") from err
    if not ok:
        if password:
            raise IngestError(f'"{name}" is encrypted and the given password is wrong; '
                              "check the password or remove the encryption")
        raise IngestError(f'"{name}" is encrypted with a password; provide the password or remove the encryption')


class _PypdfLog(logging.Handler):
    """Collects what pypdf logs while one file is read (repairs of damaged files), instead of
    letting it reach the console; the messages become one RawDocument warning."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []
        self._logger = logging.getLogger("pypdf")

    def emit(self, record: logging.LogRecord) -> None:
        msg = _one_line(Exception(record.getMessage()))[:160]
        if "fontTools" in msg:
            return  # a missing optional dependency of pypdf, not a problem of the file
        if msg not in self.messages and len(self.messages) < MAX_PYPDF_MESSAGES:
            self.messages.append(msg)

    def __enter__(self) -> Self:
        self._propagate = self._logger.propagate
        self._logger.addHandler(self)
        self._logger.propagate = False
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.propagate = self._propagate


def _pdf_date(value: Any) -> str | None:
    m = re.search(r"(\d{4})(\d{2})?(\d{2})?", str(value or ""))
    if not m:
        return None
    return "-".join(p for p in m.groups() if p)


def _pdf_info(reader: PdfReader) -> dict[str, Any]:
    try:
        info = reader.metadata or {}
        raw = {k: info.get(f"/{k.capitalize()}") for k in ("title", "author", "subject", "creator")}
        created = info.get("/CreationDate")
    except Exception:  # noqa: BLE001 - unreadable metadata is not worth failing the file
        return {"title": None, "author": None, "subject": None, "creator": None, "creation_date": None}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        text = clean.normalise_text(str(value)) if value is not None else ""
        out[key] = text or None
    out["creation_date"] = _pdf_date(created)
    return out


def _pdf_labels(reader: PdfReader) -> list[str] | None:
    try:
        return list(reader.page_labels)
    except Exception:  # noqa: BLE001 - broken label trees: fall back to printed numbers
        return None


def _extract_pages(reader: PdfReader, name: str) -> tuple[list[list[str]], list[str], frozenset[int]]:
    """Each page's lines, the warnings, and the 1-based pages whose extraction failed."""
    pages: list[list[str]] = []
    warnings: list[str] = []
    failed: set[int] = set()
    try:
        page_objs = list(reader.pages)
    except Exception as err:
        raise IngestError(f'"{name}" has a damaged page tree ({_one_line(err)}); repair it (e.g. qpdf) '
                          "or remove it") from err
    for i, page in enumerate(page_objs, start=1):
        try:
            text = page.extract_text() or ""
        except Exception as err:  # noqa: BLE001 - one bad page must not lose the document
            msg = f'page {i} of "{name}" could not be extracted ({_one_line(err)}); skipped'
            log.warning(msg)
            warnings.append(msg)
            failed.add(i)
            text = ""
        pages.append(text.split("\n"))
    return pages, warnings, frozenset(failed)


class _Piece(NamedTuple):
    page: int
    text: str
    blank: bool  # an empty line precedes it on its page
    indented: bool  # the extracted line starts with white space


def _pieces(pages: list[list[str]], raw_pages: list[list[str]]) -> tuple[list[_Piece], list[_Piece]]:
    """Body and footnote lines of every page, running headers and footers dropped."""
    body: list[_Piece] = []
    notes: list[_Piece] = []
    for p, (lines, raw, drop) in enumerate(zip(pages, raw_pages, clean.running_line_indices(pages)), start=1):
        kept = [(t, r) for i, (t, r) in enumerate(zip(lines, raw)) if i not in drop]
        texts, raws = [t for t, _ in kept], [r for _, r in kept]
        b, f = clean.split_footnotes(texts)
        for target, part, part_raw in ((body, b, raws[:len(b)]), (notes, f, raws[len(texts) - len(f):])):
            blank, first = False, True
            for t, r in zip(part, part_raw):
                if not t:
                    blank = not first  # blank lines at the top of a page are not paragraph breaks
                    continue
                target.append(_Piece(p, t, blank, r[:1].isspace()))
                blank, first = False, False
    return body, notes


def _lines(pages: list[list[str]], raw_pages: list[list[str]], labels: list[str | None]) -> list[Line]:
    """Body and footnote Lines in page order (a page's notes after its body), words rejoined,
    paragraph breaks marked."""
    body, notes = _pieces(pages, raw_pages)
    vocab = clean.hyphen_vocabulary(t for lines in pages for t in lines)
    width = clean.typical_line_width([piece.text for piece in body])
    out: list[Line] = []
    for kind, seq in (("", body), ("footnote", notes)):
        texts = clean.dehyphenate([piece.text for piece in seq], vocab)
        prev: str | None = None
        for piece, text in zip(seq, texts):
            text = text.strip().rstrip(clean.SOFT_HYPHEN)
            if not text:
                continue
            start = clean.is_paragraph_start(text, prev, piece.blank, piece.indented, width)
            out.append(Line(text=text, page=piece.page, page_label=labels[piece.page - 1], blank_before=start,
                            kind=kind))
            prev = text
    out.sort(key=lambda line: (line.page, line.kind == "footnote"))  # stable: keeps order within a page
    return out


def _first_text(pages: list[list[str]]) -> str:
    text = ""
    for lines in pages:
        text += "\n".join(t for t in lines if t) + "\n"
        if len(text) >= FIRST_TEXT_CHARS:
            break
    return text[:FIRST_TEXT_CHARS].strip()


def _alnum(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def _has_image(reader: PdfReader, index: int) -> bool:
    """Whether the page draws an image (a scan's page image, or a figure)."""
    try:
        xobjects = reader.pages[index]["/Resources"].get_object().get("/XObject") or {}
        return any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values())
    except Exception:  # noqa: BLE001 - odd resources: treat as no image
        return False


def _needs_ocr(reader: PdfReader, index: int, text: str, language: str | None, doc_noisy: bool) -> bool:
    """An image page (a scan) without a text layer, or whose layer is garbled: the whole
    document reads as noisy OCR, or the page itself very much so. A born-digital page with many
    names (a lower lexicon share) is never OCR'd: it draws no page image."""
    if not _has_image(reader, index):
        return False  # a blank page, or text and drawings only
    if doc_noisy or _alnum(text) < MIN_PAGE_TEXT:
        return True
    lexicon = quality.english_lexicon()
    share, n = quality.lexicon_share(text, lexicon) if language in (None, "en") and lexicon else (1.0, 0)
    return n >= MIN_GARBLED_WORDS and share < GARBLED_PAGE_SHARE


def _ocr_where_needed(path: Path, reader: PdfReader, raw_pages: list[list[str]], seconds: float,
                      failed: frozenset[int] = frozenset()) -> tuple[list[int], list[str]]:
    """OCR the pages whose text layer is missing or garbled (in place in `raw_pages`) when
    Tesseract is installed; returns the 1-based pages now read by OCR and any warning."""
    texts = ["\n".join(clean.normalise_text(t) for t in lines) for lines in raw_pages]
    whole = "\n".join(texts)
    language = quality.detect_language(whole) if _alnum(whole) >= MIN_PAGE_TEXT else None
    doc_noisy = quality.looks_like_noisy_ocr(whole, language)
    no_text = _alnum(whole) < MIN_PAGE_TEXT  # a scan without any text layer: every page is read
    need = [i for i, t in enumerate(texts)
            if no_text or i + 1 in failed or _needs_ocr(reader, i, t, language, doc_noisy)]
    if not need or not ocr.available():
        return [], []
    try:
        got = ocr.read_pages(path, need, language, time.monotonic() + seconds)
    except Exception as err:  # noqa: BLE001 - Tesseract or the renderer failing must not lose the text layer
        return [], [f'OCR of "{path.name}" failed ({_one_line(err)}); its own text layer is used']
    lexicon = quality.english_lexicon() if language in (None, "en") else frozenset()
    done = []
    for i, text in got.items():
        text = text.replace("\f", "").strip()
        if _alnum(text) < MIN_PAGE_TEXT:
            continue
        if _alnum(texts[i]) >= MIN_PAGE_TEXT and lexicon and \
                quality.lexicon_share(text, lexicon)[0] <= quality.lexicon_share(texts[i], lexicon)[0]:
            continue  # the text layer reads as well as the OCR
        lines = text.split("\n")
        raw_pages[i] = ocr.clean_first_page(lines) if i == 0 else lines
        done.append(i + 1)
    warnings = []
    if no_text and got and not done and len(got) == len(need):
        warnings.append(OCR_FOUND_NOTHING)
    if len(got) < len(need):
        warnings.append(f'OCR read {len(got)} of the {len(need)} pages of "{path.name}" that need it before the '
                        "file's time limit; raise KB_FILE_TIMEOUT to read them all")
    return done, warnings


def _page_ranges(pages: list[int]) -> str:
    """[1, 2, 3, 7] -> '1-3,7'."""
    out: list[str] = []
    for p in pages:
        if out and int(out[-1].split("-")[-1]) == p - 1:
            out[-1] = f"{out[-1].split('-')[0]}-{p}"
        else:
            out.append(str(p))
    return ",".join(out)


def read_pdf(path: Path, password: str | None = None, ocr_mode: str = "auto",
             ocr_seconds: float = 90.0) -> RawDocument:
    """Read one PDF into clean Lines with PDF page and printed page label, plus metadata.

    Pages whose text layer is missing or garbled are read by OCR when Tesseract is installed
    (`ocr_mode` "off" turns it off; `ocr_seconds` bounds the time it may take). Raises
    `IngestError` (one line naming the file) for empty, corrupt or password-protected files and
    `EmptyDocumentError` when no page has text. A page that fails to extract is skipped with a
    warning in `RawDocument.warnings`."""
    path = Path(path)
    name = path.name
    with _PypdfLog() as pypdf_log:
        reader = _open(path, password)
        raw_pages, warnings, failed = _extract_pages(reader, name)
    ocr_pages: list[int] = []
    if ocr_mode != "off":
        ocr_pages, note = _ocr_where_needed(path, reader, raw_pages, ocr_seconds, failed)
        rescued = tuple(f'page {p} of "{name}" could not be extracted' for p in ocr_pages)
        warnings = [w.replace("; skipped", "; read by OCR instead") if w.startswith(rescued) else w
                    for w in warnings] + note
    if pypdf_log.messages:
        first = pypdf_log.messages[0]
        more = f" and {len(pypdf_log.messages) - 1} more" if len(pypdf_log.messages) > 1 else ""
        warnings.insert(0, f'pypdf reported problems while reading "{name}" ({first}{more}); '
                           "check the text of this file")
    n_chars = sum(ch.isalnum() for lines in raw_pages for t in lines for ch in t)
    if n_chars == 0 or n_chars < MIN_TEXT_PER_PAGE * len(raw_pages) - MIN_TEXT_PER_PAGE:
        fix = "run OCR first (e.g. ocrmypdf)"
        if ocr_mode != "off" and not ocr.available():
            fix = "install Tesseract (Debian: apt-get install tesseract-ocr) so kb reads it by OCR"
        elif any("KB_FILE_TIMEOUT" in w for w in warnings):
            fix = "raise KB_FILE_TIMEOUT (or --timeout) so OCR can read it"
        elif OCR_FOUND_NOTHING in warnings:
            fix = "OCR found no text on its pages either (a picture?); replace it with a version with text"
        raise EmptyDocumentError(f'no text could be extracted from "{name}" (scanned image without a text layer?); '
                                 f"{fix}, or skip it")
    repaired = respans = 0
    pages: list[list[str]] = []
    for k, raw in enumerate(raw_pages):
        fixed = []
        for t in raw:
            t, n = quality.repair_doubled_words(clean.normalise_text(t))
            repaired += n
            fixed.append(t)
        repeats = clean.garbled_repeats(fixed)
        if repeats:
            keep = [i for i in range(len(fixed)) if repeats.get(i, fixed[i]) is not None]
            fixed = [repeats.get(i, fixed[i]) or "" for i in keep]
            raw_pages[k] = [raw[i] for i in keep]
        joined, n = quality.repair_repeated_spans("\n".join(fixed))
        if n:  # spans re-emitted across lines: the page's lines are those of the repaired text
            respans += n
            fixed = joined.split("\n")
            raw_pages[k] = list(fixed)
        pages.append(fixed)
    labels = pagenum.page_labels(pages, _pdf_labels(reader))
    lines = _lines(pages, raw_pages, labels)
    page_texts = ["\n".join(t for t in p if t) for p in pages]
    body_text = "\n".join(line.text for line in lines)
    language = quality.detect_language(body_text)
    flags: list[str] = []
    extra: dict[str, Any] = {}
    if quality.is_missing_document_stub(page_texts):
        flags.append("stub")
        extra["stub_reason"] = "a placeholder page saying the document does not exist"
    if quality.looks_like_noisy_ocr(body_text, language) and len(ocr_pages) < len(pages):
        flags.append("scanned-ocr")
    if ocr_pages:
        flags += ["ocr", f"ocr-pages:{_page_ranges(ocr_pages)}"]
    if repaired:
        flags.append("doubled-text-repaired")
    if respans:
        flags.append("repeated-text-repaired")
    empty_pages = [i for i, t in enumerate(page_texts, start=1) if not t.strip()]
    meta = _pdf_info(reader) | {
        "first_text": _first_text(pages),
        "page_texts_chars": [len(t) for t in page_texts],
        "flags": flags,
        "language": language,
        "empty_pages": empty_pages,
    } | extra
    return RawDocument(lines=tuple(lines), fmt="pdf", pages=len(pages), meta=meta, warnings=tuple(warnings))
