"""Pure line classifiers used by `ingest.structure`: paragraph numbers, heading patterns,
boxes, table-of-contents lines, list items, citations, special section names."""

from __future__ import annotations

import re

from ingest.model import Line

_PARA = re.compile(r"^(\d{1,3})\.[ \t\u00a0]+(\S.*)$", re.DOTALL)
_ROMAN = r"(?:L?X{0,3}(?:IX|IV|V?I{0,3}))"
_HEADING_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"^(chapter|part|annex|appendix|section)\s+([0-9]+|[IVXL]+|[A-Z])\b", re.IGNORECASE), 1),
    (re.compile(r"^article\s+[0-9]{1,3}[a-z]?\b", re.IGNORECASE), 2),
    (re.compile(rf"^(?=[IVXL]){_ROMAN}\.\s*\S"), 1),
    (re.compile(rf"^(?=[IVXL]{{2}}){_ROMAN}\s+[A-Z]"), 1),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.\d{1,2}\.?\s+\S"), 3),
    (re.compile(r"^\d{1,2}\.\d{1,2}\.?\s+\S"), 2),
    (re.compile(r"^\d{1,2}\.?\s+[A-Z]"), 1),
    (re.compile(r"^[A-Z]\.\s+\S"), 2),
    (re.compile(r"^\(?[a-z]\)\s+\S"), 3),
)
_ROLES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(table of )?contents?$"), "contents"),
    (re.compile(r"^(page|pages|paragraphs?|paras?\.?|page\(s\))$"), "pagelabel"),
    (re.compile(r"^(foot|end)?notes$"), "notes"),
    (re.compile(r"^(selected )?(references?|reference list|bibliography|works cited|sources)$"), "references"),
    (re.compile(r"^(executive summary|summary|abstract|overview and summary)$"), "summary"),
    (re.compile(r"^(introduction|conclusions?|foreword|preface|acknowledge?ments|annex(es)?|appendix|glossary|"
                r"(list of )?(abbreviations|acronyms)( and (abbreviations|acronyms))?|recommendations|background)$"),
     "top"),
)
_BOX = re.compile(r"^(Box|BOX)\s+(\d{1,2}(?:\.\d{1,2})?|[IVX]{1,4}|[A-Z])\b\s*([.:\-–—]?)\s*(.*)$")
_DOT_LEADER = re.compile(r"(\.\s?){4,}|…{2,}|(_\s?){4,}|(·\s?){4,}")
_TRAILING_PAGE = re.compile(r"(\s|^)([0-9]{1,3}(\s*[-–]\s*[0-9]{1,3})?|[ivxlc]{1,6})\s*$")
_RANGE_END = re.compile(r"\s[0-9]{1,3}\s*[-–]\s*[0-9]{1,3}$")
_LIST = re.compile(r"^([•▪◦●○■□–—\-*]\s|\(?[a-z]{1,2}\)\s|\(?[ivx]{1,5}\)\s|[a-z]\.\s)")
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)[a-z]?\b")
_CITATION_START = re.compile(r"^(see|ibid|cf\.|op\. cit|available at|http|www\.|source|for (a|an|more|further)\b)",
                             re.IGNORECASE)
_SYMBOL = re.compile(r"^[A-Z]{1,6}(/[A-Z0-9.\-]+)+$|^[A-Z]{1,4}\.\d")


def para_number(text: str) -> tuple[int, str] | None:
    """(18, "Text") for a line that opens like a numbered paragraph "18. Text"; None otherwise.

    The text after the number must not start lower-case (that is a list item or a wrapped line)."""
    m = _PARA.match(text.strip())
    if not m:
        return None
    rest = m.group(2).strip()
    if not rest or rest[0].islower() or rest[0] in ".,;:":
        return None
    return int(m.group(1)), rest


def heading_pattern_level(text: str) -> int | None:
    """The level a numbering pattern gives a heading: "II. X" 1, "A. X" 2, "1.2 X" 2, "(a) X" 3."""
    t = text.strip()
    for pattern, level in _HEADING_PATTERNS:
        if pattern.match(t):
            return level
    return None


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().strip(".:*").strip()).lower()


def section_role(text: str) -> str:
    """contents | pagelabel | notes | references | summary | top | "" for a heading's text."""
    t = _norm(text)
    t = re.sub(rf"^({_ROMAN}|[0-9]{{1,2}}|[A-Z])\.\s+", "", t, flags=re.IGNORECASE) if len(t) > 3 else t
    for pattern, role in _ROLES:
        if pattern.match(t):
            return role
    return ""


def is_soft_top(text: str) -> bool:
    """Section names that are top-level at the start of a document but a sub-section inside a
    numbered chapter ("Conclusions" under "III. ...")."""
    return bool(re.match(r"^(introduction|conclusions?|recommendations?|background|overview)$", _norm(text)))


def ends_sentence(text: str) -> bool:
    """Whether text ends a sentence (or a lead-in ending in a colon)."""
    t = text.rstrip().rstrip("\"'”’)]*")
    return t.endswith((".", "!", "?", ":", ";"))


def is_list_item(text: str) -> bool:
    return bool(_LIST.match(text.strip()))


def is_toc_line(text: str, in_contents: bool = False, trailing_number: bool = False) -> bool:
    """A table-of-contents entry: dotted leaders, or (inside a contents section) a short line
    ending in a page or paragraph number (`trailing_number`: only that test)."""
    t = text.strip()
    if trailing_number:
        return len(t.split()) <= 20 and bool(_TRAILING_PAGE.search(t))
    if _DOT_LEADER.search(t) and _TRAILING_PAGE.search(t):
        return True
    if _DOT_LEADER.search(t) and len(t.split()) <= 20:
        return True
    if _RANGE_END.search(t) and len(t.split()) <= 14 and not ends_sentence(t[: _RANGE_END.search(t).start()]):
        return True  # "Official debt 7 - 9": a contents entry with its paragraph range
    if in_contents:
        words = len(t.split())
        return words <= 20 and (bool(_TRAILING_PAGE.search(t)) or not t.endswith("."))
    return False


def looks_like_citation(text: str) -> bool:
    """A note or reference rather than a paragraph: short and citing a year or "See ..."."""
    t = text.strip()
    words = len(t.split())
    if _CITATION_START.match(t) and words <= 60:
        return True
    return words <= 30 and bool(_YEAR.search(t))


def box_title(text: str, is_heading: bool) -> str | None:
    """ "Box 2: Title" for a line that opens a box ("Box 2 Title", "Box 1. Title"); else None."""
    m = _BOX.match(text.strip())
    if not m:
        return None
    number, punct, rest = m.group(2), m.group(3), m.group(4).strip()
    if _DOT_LEADER.search(rest):
        return None
    if rest and rest[0].islower():
        return None  # "Box 3 describes ..." is a sentence about a box
    if not (is_heading or punct or not rest):
        return None
    if len(rest) > 160 or (rest.endswith(".") and len(rest.split()) > 20):
        return None
    return f"Box {number}: {rest}" if rest else f"Box {number}"


def _caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and sum(c.isupper() for c in letters) >= 0.85 * len(letters)


def line_width(lines: tuple[Line, ...] | list[Line]) -> int:
    """The width of a full body line (90th percentile of line lengths, in characters)."""
    lengths = sorted(len(ln.text) for ln in lines if not ln.kind)
    return max(70, lengths[int(len(lengths) * 0.9)]) if lengths else 90  # floor: tiny files say little


_LABEL_ONLY = re.compile(r"^(chapter|part|annex|appendix|section)\s+([0-9]+|[IVXL]+|[A-Z])\.?$", re.IGNORECASE)
_CONNECTOR = re.compile(r"\b(the|of|and|to|on|for|in|with|by|at|a|an|from|into|under|its|their)$", re.IGNORECASE)


def heading_runs_on(heading: str, nxt: Line | None, width: int) -> bool:
    """Whether the next line continues a wrapped heading: a short line, no paragraph break,
    after a heading that stops mid-phrase (or lower-case next, or ALL CAPS on both)."""
    if nxt is None or nxt.blank_before or nxt.heading_level or nxt.kind or para_number(nxt.text) is not None:
        return False
    t = nxt.text.strip()
    if len(t) >= 0.85 * width or ends_sentence(heading) or len(heading) + len(t) > 250:
        return False
    if _LABEL_ONLY.match(heading.strip()):
        return t[:1].isupper() and not t.startswith(("Chapter", "Annex", "Part "))  # "Chapter II" + its title
    return t[:1].islower() or bool(_CONNECTOR.search(heading)) or (heading.isupper() and t.isupper())


def looks_like_pdf_heading(line: Line, prev: Line | None, nxt: Line | None, after_heading: bool = False,
                           width: int = 90) -> bool:
    """A PDF line that reads as a section heading: "II. Background", "A. Mandate", "Chapter 2",
    or a short ALL-CAPS line, standing apart from the running text."""
    t = line.text.strip()
    words = t.split()
    if not words or len(words) > 18 or len(t) > 150 or _SYMBOL.match(t):
        return False
    if t.endswith(";") or (t.endswith(".") and len(words) > 1 and not _caps(t)):
        return False
    if t.endswith(",") and not (heading_pattern_level(t) and nxt is not None and nxt.text[:1].islower()
                                and heading_runs_on(t, nxt, width)):
        return False  # a comma ends a heading only when the heading goes on in the next line
    apart = line.blank_before or prev is None or prev.page != line.page or ends_sentence(prev.text) \
        or prev.heading_level > 0 or after_heading
    if not apart:
        return False
    if t[:1].isdigit() and not re.match(r"^\d{1,2}\.\d", t):
        return False  # "26 February 2024", "4 For information ..." (a note), "12. Text" (a paragraph)
    runs_on = nxt is not None and not nxt.blank_before and nxt.page == line.page and not nxt.heading_level \
        and para_number(nxt.text) is None
    if runs_on and len(t) >= 50 and len(nxt.text) >= 0.85 * width and not (_caps(t) and _caps(nxt.text)):  # type: ignore
        return False  # the first line of a wrapped paragraph ("1.2 Dr X, Director of ...")
    if section_role(t) and section_role(t) != "pagelabel":
        return True  # "Contents", "Summary", "Introduction", "Annex", "References" standing alone
    patterned = heading_pattern_level(t)
    if patterned is not None and patterned <= 2 and words[-1][-1:] not in ".;":
        first_word = words[1] if len(words) > 1 else ""
        return first_word[:1].isupper() or first_word[:1].isdigit()
    if _caps(t) and len(words) <= 12 and not any(ch.isdigit() for ch in t[:3]):
        return nxt is None or nxt.blank_before or not _caps(nxt.text) or len(words) > 1
    # a short capitalised line standing alone between paragraphs: "Context", "Adoption of the report"
    alone_after = nxt is None or nxt.blank_before or nxt.page != line.page or para_number(nxt.text) is not None
    return (line.blank_before and alone_after and len(words) <= 8 and t[:1].isupper() and not ends_sentence(t)
            and not t.endswith(",") and not any(ch.isdigit() for ch in t) and "(" not in t[:1])


_NOTE_START = re.compile(
    r"^(\d{1,3})\s+(?!(?:January|February|March|April|May|June|July|August|September|October|November|December)\b)"
    r"[A-Z“\"(]"
)
MAX_NOTE_LINES = 12


def pdf_footnote_lines(lines: tuple[Line, ...] | list[Line]) -> set[int]:
    """Indexes of PDF lines that are page-foot notes the reader did not mark: a line "4 Text"
    (number without a dot) followed only by a few lines before the page ends, none of them a
    numbered paragraph."""
    out: set[int] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.kind or line.heading_level or line.page is None or not _NOTE_START.match(line.text.strip()):
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].page == line.page:
            end += 1
        rest = lines[i + 1 : end]
        if end - i <= MAX_NOTE_LINES and not any(para_number(r.text) for r in rest if not r.kind):
            out.update(range(i, end))
            i = end
        else:
            i += 1
    return out


def is_numbered_subheading(text: str, standing_alone: bool) -> bool:
    """ "1. Official debt": a short numbered line without a sentence end that stands alone (what
    follows is a paragraph, a note, a new page or a blank) is a sub-heading, not a paragraph."""
    number = para_number(text)
    if number is None:
        return False
    rest = number[1]
    return standing_alone and len(rest.split()) <= 10 and not ends_sentence(rest) and rest[:1].isupper()
