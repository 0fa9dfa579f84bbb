"""Pure text-cleaning functions for extracted PDF text: one job each, tested with plain strings.

`read_pdf` runs them in this order: `normalise_text` on every line, `running_line_indices` to
drop repeated headers and footers, `split_footnotes` per page, `dehyphenate` over the body,
then `is_paragraph_start` to mark paragraph breaks.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())

# --- characters ------------------------------------------------------------------------------

_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
              "\ufb05": "st", "\ufb06": "st"}
_HYPHENS = {"\u2010": "-", "\u2011": "-", "\u2212": "-"}
SOFT_HYPHEN = "\u00ad"
_TABLE = str.maketrans({**_LIGATURES, **_HYPHENS, **dict.fromkeys("\u200b\u200e\u200f\u2060\ufeff" + SOFT_HYPHEN)})
_SPACES = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
# Compatibility forms whose NFKC folding never changes meaning: Latin ligatures, Arabic
# presentation forms, full-width Latin. Superscripts and fractions are left alone.
_NFKC_SAFE = re.compile("[\ufb00-\ufdff\ufe70-\ufeff\uff01-\uff5e]")


def normalise_text(text: str) -> str:
    """One line of extracted text: ligatures expanded, odd hyphens and unicode spaces folded,
    zero-width and control characters dropped, interior soft hyphens removed (a trailing one,
    a hyphenation point, is kept for `dehyphenate`), runs of spaces collapsed."""
    trailing_soft = text.rstrip().endswith(SOFT_HYPHEN)
    s = text.translate(_TABLE)
    if not s.isascii():
        s = _NFKC_SAFE.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), s)
    s = _SPACES.sub(" ", s).strip()
    return s + SOFT_HYPHEN if trailing_soft and s else s


MAX_REPEAT_SHIFT = 10  # characters pypdf's second copy of a line may start later than the first


def garbled_repeats(lines: Sequence[str], min_common: int = 25) -> dict[int, str | None]:
    """Lines that pypdf emitted twice: a first copy that is truncated, or spliced with the end of
    the line before it ("... to lay the Member" after "... in the Member"), followed by a copy
    that may start a few characters later ("istent monitoring" after "consistent monitoring").
    Returns {index: None} for first copies to drop and {index: text} for the repaired copies."""
    out: dict[int, str | None] = {}
    for i in range(len(lines) - 1):
        line, nxt = lines[i], lines[i + 1]
        if i in out or len(line) < min_common:
            continue
        prev = lines[i - 1].rstrip() if i > 0 else ""
        for shift in range(min(MAX_REPEAT_SHIFT, len(line) - min_common) + 1):
            n = len(os.path.commonprefix([line[shift:], nxt]))
            if n < min_common:
                continue
            rest = line[shift + n:].strip()
            spliced = (f"{prev} {line.split()[0]}" if prev else "").endswith(rest) or prev.endswith(rest)
            if not rest or (len(rest) >= 3 and spliced):
                out[i], out[i + 1] = None, line[:shift] + nxt
            break
    return out


# --- hyphenation -----------------------------------------------------------------------------

COMPOUND_PREFIXES = (
    _wordset("self non co cross anti counter ex inter intra multi post pre pro quasi semi sub super trans ultra "
    "well high low long short full part half cost mid socio macro micro north south east west"))
# Second parts that are words on their own and usually close a compound ("demand-driven").
COMPOUND_TAILS = (
    _wordset("based driven related led owned term level scale making oriented specific wide funded focused "
    "building sensitive free friendly income country border party time up down off out in on bound "
    "sharing saving taking keeping run going making makers holders sector year old like type specific "
    "wise fold day generation dependent intensive affected responsive centred centered"))
_WORD_RE = re.compile(r"[^\W\d_][\w\-]*[^\W\d_]|[^\W\d_]", re.UNICODE)


def hyphen_vocabulary(lines: Iterable[str]) -> set[str]:
    """Lower-cased words seen inside lines (not at a line end): evidence for `dehyphenate`."""
    vocab: set[str] = set()
    for line in lines:
        words = _WORD_RE.findall(line)
        if line.rstrip().endswith(("-", SOFT_HYPHEN)) and words:
            words = words[:-1]
        vocab.update(w.lower() for w in words)
    return vocab


def keep_hyphen(first: str, second: str, vocab: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether 'first-' at a line end followed by 'second' is a real compound ("long-term")
    rather than a word broken by hyphenation ("develop-" "ment")."""
    if not first or not second or not first[-1].isalpha() or not second[0].isalpha():
        return True
    if not second[0].islower():
        return True  # "South-" "South", "UN-" "Women"
    head = first.rsplit("-", 1)[-1]
    if head.lower() in COMPOUND_PREFIXES or (len(head) > 1 and head.isupper()):
        return True
    joined, hyphenated = (first + second).lower(), f"{first}-{second}".lower()
    if joined in vocab:
        return False
    if hyphenated in vocab:
        return True
    return second.lower().rstrip(".,;:)") in COMPOUND_TAILS


def dehyphenate(lines: Sequence[str], vocab: set[str] | None = None) -> list[str]:
    """Rejoin words split across line breaks: the second part moves up to the first line,
    with or without its hyphen (see `keep_hyphen`); a line left empty is dropped. A trailing
    soft hyphen always joins."""
    vocab = hyphen_vocabulary(lines) if vocab is None else vocab
    out = [line for line in lines]
    for i in range(len(out) - 1):
        cur = out[i].rstrip()
        soft = cur.endswith(SOFT_HYPHEN)
        if not (soft or cur.endswith("-")) or len(cur) < 2:
            continue
        nxt = out[i + 1].lstrip()
        m = re.match(r"\S+", nxt)
        if not m:
            continue
        tail = m.group(0)
        second = re.match(r"[^\W\d_][\w\-]*", tail)
        stem = cur[:-1]
        first = re.search(r"[\w\-]*$", stem).group(0)
        if soft:  # a hyphenation point, unless the document spells the word with a hyphen
            word = second.group(0) if second else ""
            keep = bool(first and word) and f"{first}-{word}".lower() in vocab and (first + word).lower() not in vocab
        elif second is None or not first:
            keep = True
        else:
            keep = keep_hyphen(first, second.group(0), vocab)
        if cur.endswith(" -") or (not soft and not stem[-1:].isalnum()):
            continue  # a dash, not a hyphen: "policies -"
        out[i] = stem + ("-" if keep else "") + tail
        out[i + 1] = nxt[len(tail):].lstrip()
    return out


# --- running headers and footers -------------------------------------------------------------

EDGE_DEPTH = 5  # lines from the top and the bottom of a page that may be running lines
MAX_RUNNING_CHARS = 100  # longer lines are body text even when they recur
JOB_NUMBER = r"(?:GE\.)?\d{2}-\d{5}[A-Z]?\*?(?:\s*\([A-Z]\))?"  # UN print-shop job number
_JOB = JOB_NUMBER
_SYMBOL = r"[A-Z][A-Za-z]{0,9}(?:\.\d+)?(?:/[A-Za-z0-9][A-Za-z0-9.\-]*){1,7}(?:\s*\(\d{4}\))?"
_PAGE_NO = r"(?:[-–—]\s*\d{1,4}\s*[-–—]|(?:page|p\.)\s*\d{1,4}(?:\s*of\s*\d{1,4})?|\d{1,4}\s*/\s*\d{1,4}|\d{1,4}|[ivxlc]{1,7})"
_EXPLICIT_RUNNING = [
    re.compile(rf"^{_PAGE_NO}$", re.IGNORECASE),
    re.compile(r"^\*\d{5,}\*$"),  # barcode text under the job number
    re.compile(r"^/\s?\.\.\.$"),  # old "/..." continuation mark
    re.compile(r"^(?:english|french|spanish|russian|arabic|chinese)$", re.IGNORECASE),
    re.compile(rf"^(?:{_SYMBOL}\s*)+$"),
]
_JOB_LINE_PARTS = re.compile(
    rf"{_JOB}|\*\d{{5,}}\*|\b\d{{6}}\b|/\s?\.\.\.|\b\d{{1,4}}\s*/\s*\d{{1,4}}\b|\b\d{{1,4}}\b|\b[ivxlc]{{1,7}}\b|{_SYMBOL}")
_JOB_RE = re.compile(_JOB)


def line_signature(line: str) -> str:
    """A line's shape for recurrence counting: digits become '#', spaces collapse, lower case."""
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", line)).strip().lower()


def is_explicit_running_line(line: str) -> bool:
    """A header/footer line by its form alone: page numbers ("15", "- 15 -", "Page 15", "3/28"),
    UN job numbers ("25-01234 (E) 120525", "GE.25-01234", "25-10679 3"), barcodes ("*2501234*"),
    a lone document symbol ("A/79/730"), "/...". Only trusted at a page's edges."""
    s = line.strip()
    if not s:
        return False
    if any(p.match(s) for p in _EXPLICIT_RUNNING):
        return True
    return bool(_JOB_RE.search(s)) and not _JOB_LINE_PARTS.sub("", s).strip(" ,;")


_JOB_ONLY = re.compile(rf"^(?:{_JOB}(?:\s+\d{{6}})*(?:\s+\*\d{{5,}}\*)?|\*\d{{5,}}\*)$")


def is_job_number_line(line: str) -> bool:
    """A UN job number or its barcode alone on a line ("25-00749 (E) 220125", "*2500749*"): print
    shop marks that are never body text, wherever they stand on the page."""
    return _JOB_ONLY.match(line.strip()) is not None


def _edge_indices(lines: Sequence[str], depth: int = EDGE_DEPTH) -> tuple[list[int], list[int]]:
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    return nonblank[:depth], nonblank[::-1][:depth]


def recurring_signatures(pages: Sequence[Sequence[str]], min_share: float = 0.25) -> set[str]:
    """Signatures of edge lines that recur on at least max(2, min_share of) the pages."""
    counts: Counter[str] = Counter()
    for lines in pages:
        top, bottom = _edge_indices(lines)
        counts.update({line_signature(lines[i]) for i in top + bottom if len(lines[i]) <= MAX_RUNNING_CHARS})
    need = max(2, math.ceil(min_share * len(pages)))
    return {sig for sig, n in counts.items() if n >= need and sig}


def running_line_indices(pages: Sequence[Sequence[str]]) -> list[set[int]]:
    """Per page, the indices of running header/footer lines among the EDGE_DEPTH lines at the top
    and at the bottom: lines that recur across pages (by signature), and contiguous runs from
    the edge of lines that match an explicit form (page number, job number, symbol); job
    number and barcode lines anywhere."""
    recurring = recurring_signatures(pages) if len(pages) > 1 else set()
    result: list[set[int]] = []
    for lines in pages:
        drop = {i for i, line in enumerate(lines) if is_job_number_line(line)}
        for run in _edge_indices(lines):
            contiguous = True
            for i in run:
                recurs = line_signature(lines[i]) in recurring
                if recurs or (contiguous and is_explicit_running_line(lines[i])):
                    drop.add(i)
                else:
                    contiguous = False
        result.append(drop)
    return result


# --- footnotes and paragraphs ----------------------------------------------------------------

_SEPARATOR = re.compile(r"^[_\-–—]{5,}$")
_FOOTNOTE_START = re.compile(r"^(\d{1,3})(/)?\s+\S")
_DATE_START = re.compile(r"^\d{1,2}\s+(?:January|February|March|April|May|June|July|August|September|October|"
                         r"November|December)\b")
MAX_FOOTNOTE_SHARE = 0.6
_NUMBERED_PARA = re.compile(r"^(?:\d{1,3}(?:\.\d{1,2})*\.|\([a-z]{1,4}\)|\([ivx]{1,5}\)|[a-z]\))\s+\S")


def _has_marker(body: str, n: str, slash: bool) -> bool:
    """The body text cites footnote n: 'word.3', 'agenda5', 'table 1). 1', 'item 1/'."""
    if slash:
        return f"{n}/" in body
    return re.search(rf"(?:[^\W\d_]|[.,;:)\]”’\"]\s?){n}(?!\d|\s*(?:per|%|million|billion))", body) is not None


def split_footnotes(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """Split one page's lines (blank lines allowed) into body and footnotes. Footnotes follow a
    separator line ("________"), or start at a bottom line "1 See A/78/123." / "1/ See ..."
    preceded by a blank line (or old "1/" style), numbered consecutively, and cited in the body."""
    lines = list(lines)
    for i, line in enumerate(lines):
        if _SEPARATOR.match(line.strip()) and i > 0:
            rest = [x for x in lines[i + 1:]]
            if any(_FOOTNOTE_START.match(x.strip()) for x in rest if x.strip()):
                return lines[:i], rest
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    for k, i in enumerate(nonblank):
        m = _FOOTNOTE_START.match(lines[i].strip())
        if not m or k == 0 or _DATE_START.match(lines[i].strip()):
            continue
        if len(nonblank) - k > MAX_FOOTNOTE_SHARE * len(nonblank):
            continue  # without a separator, notes do not fill most of the page
        slash = bool(m.group(2))
        after_blank = nonblank[k - 1] < i - 1
        if not (after_blank or slash):
            continue
        if not _has_marker("\n".join(lines[:i]), m.group(1), slash) or not _consecutive_notes(lines[i:], m):
            continue
        return lines[:i], lines[i:]
    return lines, []


def _consecutive_notes(rest: Sequence[str], first: re.Match[str]) -> bool:
    expected = int(first.group(1))
    for line in rest:
        m = _FOOTNOTE_START.match(line.strip())
        if m and bool(m.group(2)) == bool(first.group(2)):
            n = int(m.group(1))
            if n == expected:
                expected += 1
            elif n > expected + 1 or n < expected - 1:
                return False
    return True


SHORT_LINE = 0.7  # a sentence ending on a line this much shorter than the full width ends a paragraph


def typical_line_width(lines: Sequence[str]) -> int:
    """The length of a full line of body text: the 75th percentile of line lengths (0 if few)."""
    lengths = sorted(len(line) for line in lines if len(line) > 20)
    return lengths[int(0.75 * (len(lengths) - 1))] if len(lengths) >= 5 else 0


def is_paragraph_start(line: str, prev_line: str | None, blank_before: bool, indented: bool = False,
                       line_width: int = 0) -> bool:
    """A paragraph break precedes `line`: an empty line in the extracted text, a numbered
    paragraph ("12. ", "(a) ", "(iv) "), or a sentence start after a finished sentence on a line
    that is indented or comes after a short last line (shorter than SHORT_LINE of `line_width`)."""
    s = line.strip()
    if _NUMBERED_PARA.match(s) or blank_before:
        return True
    if prev_line is None:
        return False
    prev = prev_line.rstrip()
    ended = re.search(r"[.!?:;][\"”’)]?\d{0,3}$", prev) is not None
    if not ended or not (s[:1].isupper() or s[:1] in "\"“‘•–-"):
        return False
    return indented or (line_width > 0 and len(prev) < SHORT_LINE * line_width)
