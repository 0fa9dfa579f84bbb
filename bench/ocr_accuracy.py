"""OCR word accuracy on scanned pages against hand transcriptions (tests/fixtures/ocr/).

For each transcribed page: the share of its words that the PDF's own text layer and kb's OCR
(ingest.ocr, Tesseract) give in the same order (words aligned with difflib; case and punctuation
ignored). Prints a table; the test tests/test_ocr.py holds a floor on the same figure.

    python bench/ocr_accuracy.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIXTURES = ROOT / "tests" / "fixtures" / "ocr"
# transcription file stem -> PDF under ../shared
PAGES = {
    "A_39_361.en": "external/un-documents-2025/pdfs/A_39_361.en.pdf",
    "DA-1p": "external/unstructured-example-pdfs/pdf/DA-1p.pdf",
    "pdf-with-ocr-text": "external/unstructured-example-pdfs/pdf/pdf-with-ocr-text.pdf",
}


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def word_accuracy(reference: str, text: str) -> float:
    """Share of the reference's words found, in order, in `text`."""
    ref, got = words(reference), words(text)
    matcher = difflib.SequenceMatcher(None, ref, got, autojunk=False)
    return sum(b.size for b in matcher.get_matching_blocks()) / max(1, len(ref))


def pages(shared: Path) -> list[tuple[str, Path, int, str]]:
    """(name, pdf, 0-based page, transcription) for every transcribed page."""
    out = []
    for f in sorted(FIXTURES.glob("*_p*.txt")):
        stem, page = f.stem.rsplit("_p", 1)
        out.append((f.stem, shared / PAGES[stem], int(page) - 1, f.read_text(encoding="utf-8")))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    from pypdf import PdfReader

    from ingest import ocr

    if not ocr.available():
        print("Tesseract is not installed (Debian: apt-get install tesseract-ocr)")
        return 1
    print("| page | words | text layer | OCR | OCR seconds |\n|---|---|---|---|---|")
    tot = {"layer": 0.0, "ocr": 0.0, "words": 0}
    for name, pdf, page, reference in pages(args.shared):
        layer = PdfReader(pdf).pages[page].extract_text() or ""
        t = time.monotonic()
        text = ocr.read_pages(pdf, [page], "en", time.monotonic() + 300)[page]
        secs = time.monotonic() - t
        n = len(words(reference))
        a, b = word_accuracy(reference, layer), word_accuracy(reference, text)
        tot["layer"] += a * n
        tot["ocr"] += b * n
        tot["words"] += n
        print(f"| {name} | {n} | {a:.3f} | {b:.3f} | {secs:.1f} |")
    n = tot["words"]
    print(f"| all (word-weighted) | {n} | {tot['layer'] / n:.3f} | {tot['ocr'] / n:.3f} | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
