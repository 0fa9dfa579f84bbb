"""Printed page numbers: from PDF page labels, or from the numbers printed in headers/footers.

Pure functions over per-page line lists; `page_labels` gives, per PDF page, the printed page
number where it differs from the PDF page number (else None).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from ingest.clean import JOB_NUMBER

_JOB = JOB_NUMBER
# (pattern, strong): strong forms are trusted alone; a lone number needs neighbours that agree.
_FORMS: list[tuple[re.Pattern[str], bool]] = [
    (re.compile(r"^page\s+(\d{1,4})(?:\s+of\s+\d{1,4})?$", re.IGNORECASE), True),
    (re.compile(r"^(\d{1,4})\s*/\s*\d{1,4}$"), True),
    (re.compile(rf"^(\d{{1,4}}|[ivxlc]{{1,7}})(?:\s*/\s*\d{{1,4}})?\s+{_JOB}$"), True),
    (re.compile(rf"^{_JOB}\s+(\d{{1,4}}|[ivxlc]{{1,7}})(?:\s*/\s*\d{{1,4}})?$"), True),
    (re.compile(r"^[-–—]\s*(\d{1,4})\s*[-–—]$"), False),
    (re.compile(r"^(\d{1,4})$"), False),
    (re.compile(r"^([ivxlc]{1,7})$"), False),
]
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
EDGE = 4


def roman_to_int(s: str) -> int | None:
    """Value of a lower-case roman numeral, None when it is not a well-formed one."""
    total, prev = 0, 0
    for ch in reversed(s.lower()):
        v = _ROMAN.get(ch)
        if v is None:
            return None
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total if total > 0 and int_to_roman(total) == s.lower() else None


def int_to_roman(n: int) -> str:
    out = []
    for v, sym in ((100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"),
                   (1, "i")):
        while n >= v:
            out.append(sym)
            n -= v
    return "".join(out)


def printed_number_candidates(lines: Sequence[str]) -> list[tuple[str, bool]]:
    """Page-number candidates in a page's edge lines: (label, strong), strongest first."""
    nonblank = [s.strip() for s in lines if s.strip()]
    edge = nonblank[:EDGE] + nonblank[-EDGE:] if len(nonblank) > 2 * EDGE else nonblank
    found: list[tuple[str, bool]] = []
    for line in edge:
        for pattern, strong in _FORMS:
            m = pattern.match(line)
            if m:
                found.append((m.group(1), strong))
                break
    found.sort(key=lambda c: not c[1])
    return found


def _value(label: str) -> tuple[str, int] | None:
    if label.isdigit():
        return "arabic", int(label)
    r = roman_to_int(label)
    return ("roman", r) if r else None


def printed_page_numbers(pages: Sequence[Sequence[str]]) -> list[str | None]:
    """Per page, the printed page number found in its header/footer, checked against its
    neighbours: a strong form ("3/28", "Page 3", "25-10679 3") counts alone, a lone number only
    when a page within two has a number with the same offset from the PDF page. Gaps between
    two pages with the same offset are filled."""
    n = len(pages)
    cands = [printed_number_candidates(p) for p in pages]
    offsets: list[set[tuple[str, int]]] = []
    for i, cs in enumerate(cands):
        offsets.append({(v[0], v[1] - (i + 1)) for v in (_value(lab) for lab, _ in cs) if v})
    result: list[str | None] = [None] * n
    for i, cs in enumerate(cands):
        for label, strong in cs:
            v = _value(label)
            if v is None:
                continue
            key = (v[0], v[1] - (i + 1))
            near = any(key in offsets[j] for j in range(max(0, i - 2), min(n, i + 3)) if j != i)
            if strong or near:
                result[i] = label
                break
    _fill_gaps(result)
    return result


def _fill_gaps(result: list[str | None]) -> None:
    known = [(i, _value(lab)) for i, lab in enumerate(result) if lab is not None]
    for (i, a), (j, b) in itertools.pairwise(known):
        if a and b and a[0] == b[0] and j - i > 1 and b[1] - a[1] == j - i:
            for k in range(i + 1, j):
                num = a[1] + (k - i)
                result[k] = str(num) if a[0] == "arabic" else int_to_roman(num)


def meaningful_pdf_labels(labels: Sequence[str] | None, n_pages: int) -> bool:
    """PDF page labels carry information when present for every page and not just 1..n."""
    if not labels or len(labels) != n_pages:
        return False
    return list(labels) != [str(i + 1) for i in range(n_pages)]


def page_labels(pages: Sequence[Sequence[str]], pdf_labels: Sequence[str] | None = None) -> list[str | None]:
    """Per PDF page, the printed page number where it differs from the PDF page number:
    from meaningful PDF page labels, else from the numbers printed on the pages."""
    n = len(pages)
    labels = list(pdf_labels) if meaningful_pdf_labels(pdf_labels, n) else printed_page_numbers(pages)
    return [lab if lab and lab != str(i + 1) else None for i, lab in enumerate(labels)]
