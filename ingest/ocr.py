"""OCR for the pages of a PDF whose text layer is missing or garbled (scans).

A page is rendered with pypdfium2 and read by Tesseract through pytesseract, in the language
the document is in when Tesseract has it (Debian packages tesseract-ocr, tesseract-ocr-fra,
-spa, -rus, -ara, -chi-sim). Without Tesseract (or with the setting `ocr = off`) `available`
is False and the reader reports scans as before. Imports are local: only a file that needs OCR
pays for them.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from functools import lru_cache
from pathlib import Path

DPI = 200  # 300 reads no better on the UN scans and is slower
# PDFium is not thread-safe, not even across documents: every pypdfium2 call in kb holds this lock
PDFIUM_LOCK = threading.RLock()
MODES = ("auto", "off")
# kb's language codes -> Tesseract's
TESSERACT_LANGS = {"en": "eng", "fr": "fra", "es": "spa", "ru": "rus", "ar": "ara", "zh": "chi_sim"}


@lru_cache(maxsize=1)
def available() -> bool:
    """Tesseract and its Python wrapper are installed."""
    if shutil.which("tesseract") is None:
        return False
    try:
        import pypdfium2  # noqa: F401
        import pytesseract

        pytesseract.get_tesseract_version()
    except Exception:  # noqa: BLE001 - not installed or not runnable: no OCR
        return False
    return True


@lru_cache(maxsize=1)
def _installed() -> frozenset[str]:
    import pytesseract

    try:
        return frozenset(pytesseract.get_languages(config=""))
    except Exception:  # noqa: BLE001
        return frozenset({"eng"})


def tesseract_language(language: str | None) -> str:
    """Tesseract's language for a document in `language` (English when it lacks that one)."""
    code = TESSERACT_LANGS.get(language or "en", "eng")
    return code if code in _installed() else "eng"


def read_pages(path: Path, pages: list[int], language: str | None, deadline: float) -> dict[int, str]:
    """OCR text of the given 0-based pages, in order, until `deadline` (time.monotonic) passes;
    pages not reached are left out."""
    import pypdfium2
    import pytesseract

    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one thread per reader process: they run side by side
    lang = tesseract_language(language)
    out: dict[int, str] = {}
    with PDFIUM_LOCK:
        pdf = pypdfium2.PdfDocument(str(path))
    try:
        for i in pages:
            if time.monotonic() > deadline:
                break
            with PDFIUM_LOCK:  # rendering holds the lock; Tesseract (another process) does not
                image = pdf[i].render(scale=DPI / 72, grayscale=True).to_pil()
            out[i] = pytesseract.image_to_string(image, lang=lang)
    finally:
        with PDFIUM_LOCK:
            pdf.close()
    return out


_LIST_MARK = re.compile(r"^\(?[a-z0-9]{1,3}[.)]$", re.IGNORECASE)
_BRACKETED_SCRAP = re.compile(r"^\W*[^\W\d_]{0,2}\W*$")


def clean_first_page(lines: list[str]) -> list[str]:
    """OCR of a masthead emblem leaves scraps ("Ns Uh", "(RY General Assembly"): lines whose
    letters form no word of three or more and that hold no digit (list marks such as "(a)",
    numbers and symbols stay), and a
    leading token of at most two letters with a bracket or slash, are dropped."""
    out = []
    for line in lines:
        tokens = line.split()
        while len(tokens) > 1 and _BRACKETED_SCRAP.match(tokens[0]) and re.search(r"[()\[\]{}/\\|]", tokens[0]):
            tokens = tokens[1:]
        text = " ".join(tokens)
        letters = re.findall(r"[^\W\d_]+", text)
        if letters and max(map(len, letters)) < 3 and not any(c.isdigit() for c in text) and not _LIST_MARK.match(text):
            continue
        out.append(text)
    return out
