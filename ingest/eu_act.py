"""EU acts (regulations, directives, decisions of the Official Journal) -> blocks cited by the
act's own numbers: the preamble ("Having regard to ..."), each recital as "recital 47", each
article paragraph as "Article 6(1)" and each point as "Article 6(1)(f)", under the chapter,
section and article headings.

The Official Journal's running marks ("4.5.2016 L 119/2 EN") are dropped, and what follows the
last mark of a page, when it opens with "(1)", is that page's footnotes. Numbers are found in
sequence (recital 5 after recital 4, "2." after "1."), so a footnote call "(3)" or a reference
"paragraph 1." never starts a unit. Pure functions over the reader's lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ingest.metadata import eu_act
from ingest.model import Block, RawDocument, pages_of_span

_OJ_MARK = re.compile(r"(?:\b\d{1,2}\.\d{1,2}\.)?\b\d{2,4}\s+L\s*\d+/\d+\s+EN\b|(?<!\S)/\d{1,3}\s+EN\b|\bEN\s+L\s*\d+/\d+\s+\d{1,2}\.\d{1,2}\.\d{4}\b"
                      r"|\bOfficial Journal of the European Union\s+L\s*\d+/\d+\b")
_WHEREAS = re.compile(r"\bWhereas\s*:")
_ADOPTED = re.compile(r"\bHA(?:VE|S)\s+ADOPTED\s+TH(?:IS|E\s+PRESENT)\s+(?:REGULATION|DIRECTIVE|DECISION)\s*:?")
_HEADING = re.compile(r"(?:CHAPTER\s+[IVXLC]+|Section\s+\d+|TITLE\s+[IVXLC]+)\s+[^.;:]*$")
_AFTER_POINTS = re.compile(r"\.\s+(?=[A-Z])(?!\(?[a-z0-9]{1,3}\)\s)")  # a sentence end, then new text
_TITLE_END = re.compile(r"\s1\.\s+(?=[A-Z])")
MAX_TITLE_CHARS = 250
MAX_SKIP = 2  # numbers lost in extraction that a sequence may jump over
_NOT_BEFORE_NUMBER = {"paragraph", "paragraphs", "article", "articles", "point", "points", "and", "or", "to",
                      "of", "in", "chapter", "section", "regulation", "directive", "no", "annex", "recital"}
_TITLE_KEEP_CAPS = {"Union", "Member", "States", "State", "Commission", "Board", "Council", "Parliament",
                    "European", "EU", "Data", "Protection", "Regulation", "Directive", "Court", "Justice"}


def is_eu_act(raw: RawDocument) -> bool:
    """An Official Journal act with its recitals and enacting terms in this file."""
    text = raw.meta.get("first_text") or ""
    if eu_act(text) is None:
        return False
    body = " ".join(line.text for line in raw.lines)
    return bool(_WHEREAS.search(body) and _ADOPTED.search(body))


def _page_texts(raw: RawDocument) -> tuple[str, list[tuple[int, int, str | None]], list[Block]]:
    """The body as one string with its page marks, and the footnote blocks taken out of it."""
    pages: dict[int | None, list[str]] = {}
    labels: dict[int | None, str | None] = {}
    for line in raw.lines:
        pages.setdefault(line.page, []).append(line.text)
        labels.setdefault(line.page, line.page_label)
    body, marks, notes = "", [], []
    for page, texts in pages.items():
        text = "\n".join(texts)
        found = list(_OJ_MARK.finditer(text))
        if found and re.match(r"\s*\(1\)\s", text[found[-1].end():]):
            note = " ".join(text[found[-1].end():].split())
            notes.append(Block(text=note, kind="footnote", page_start=page, page_end=page, page_label=labels[page]))
            text = text[:found[-1].start()]
        text = " ".join(_OJ_MARK.sub(" ", text).split())
        if not text:
            continue
        marks.append((len(body) + (1 if body else 0), page, labels[page]))
        body = f"{body} {text}" if body else text
    return body, marks, notes


def _starts_unit(text: str, at: int) -> bool:
    """Whether a number at `at` opens a unit: at the start, or after a sentence or clause end
    (or a heading), never after "paragraph", "Article" and the like."""
    before = text[:at].rstrip()
    if not before:
        return True
    words = before.split()
    if words[-1] in ("and", "or") and before[:-len(words[-1])].rstrip()[-1:] in (";", ","):
        return True  # the last point of a list: "...; or (e) for the establishment ..."
    if words[-1].lower().strip("(") in _NOT_BEFORE_NUMBER:
        return False
    return before[-1] in ".;:" or bool(_HEADING.search(before[-200:]))


def _sequence(text: str, label: str, letters: bool = False, upper: bool = True) -> list[tuple[int, str]]:
    """(offset, number) of the units "(1) ", "(2) " ... (label '(%s)'), "1. ", "2. " ('%s.'),
    "Article 1 " ('Article %s') or "(a) ", "(b) " (`letters`) found in order in `text`; with
    `upper` a unit's text starts with a capital or a quote."""
    out: list[tuple[int, str]] = []
    pos, n = 0, 1
    while True:
        hit = None
        for k in range(n, n + MAX_SKIP + 1):
            name = chr(ord("a") + k - 1) if letters else str(k)
            if letters and k > 26:
                break
            pat = re.compile(re.escape(label % name) + r"\s+(?=\S)")
            for m in pat.finditer(text, pos):
                if _starts_unit(text, m.start()) and (not upper or text[m.end()].isupper() or text[m.end()] in "‘'\"“"):
                    hit = (m.start(), m.end(), name, k)
                    break
            if hit:
                break
        if not hit:
            return out
        out.append((hit[0], hit[2]))
        pos, n = hit[1], hit[3] + 1


def _spans(text: str, starts: list[tuple[int, str]], base: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, number) of each unit, offsets shifted by `base`."""
    for i, (at, name) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else len(text)
        yield base + at, base + end, name


def _strip_number(piece: str) -> str:
    return re.sub(r"^(?:\(\w{1,3}\)|\d{1,3}\.|Article\s+\d+)\s+", "", piece.strip(), count=1)


class _Builder:
    """Blocks over one body string, each with its pages."""

    def __init__(self, body: str, marks: list[tuple[int, int, str | None]]) -> None:
        self.body, self.marks, self.blocks = body, tuple(marks), []

    def add(self, start: int, end: int, kind: str, para: str | None, section: tuple[str, ...],
            strip: bool = True) -> None:
        raw = self.body[start:end]
        text = _strip_number(raw) if strip else raw.strip()
        if not text:
            return
        offset = start + raw.find(text[:20])
        pages = pages_of_span(self.marks, offset, end) or (None, None, None)
        inner = tuple((m[0] - offset, m[1], m[2]) for m in self.marks if offset < m[0] < end)
        first = (0, pages[0], pages[2]) if pages[0] is not None else None
        self.blocks.append(Block(text=text, kind=kind, para=para, section=section, page_start=pages[0],
                                 page_end=pages[1], page_label=pages[2],
                                 page_marks=((first,) if first else ()) + inner))

    def points(self, start: int, end: int, label: str, section: tuple[str, ...]) -> None:
        """One article paragraph: its lead-in, then its points (1), (2) ... or (a), (b) ... when it
        has two or more (letters inside a numbered point stay in it)."""
        text = self.body[start:end]
        found = [(at, name) for at, name in _sequence(text, "(%s)", upper=False) if at > 0]
        if len(found) < 2:
            found = [(at, name) for at, name in _sequence(text, "(%s)", letters=True, upper=False) if at > 0]
        if len(found) < 2:
            self.add(start, end, "para", label, section)
            return
        self.add(start, start + found[0][0], "para", label, section)
        spans = list(_spans(text, found, start))
        a, z, name = spans[-1]
        # a subparagraph after the list ("Point (f) of the first subparagraph shall not apply ...")
        # belongs to the paragraph, not to its last point: the last point ends at its first sentence end
        tail = _AFTER_POINTS.search(self.body, a, z)
        if tail:
            spans[-1] = (a, tail.start() + 1, name)
        for a, b, name in spans:
            self.add(a, b, "para", f"{label}({name})", section)
        if tail:
            self.add(tail.start() + 1, z, "para", label, section)


def _title(segment: str) -> tuple[str, int]:
    """An article's title and where its text begins ("Lawfulness of processing", before "1.")."""
    m = _TITLE_END.search(segment[:MAX_TITLE_CHARS + 5])
    if m:
        return segment[:m.start()].strip(), m.start()
    words = list(re.finditer(r"\S+", segment[:MAX_TITLE_CHARS]))
    for i, w in enumerate(words[1:], start=1):
        token = w.group().strip("(,")
        if token[:1].isupper() and token not in _TITLE_KEEP_CAPS:
            return segment[:w.start()].strip(), w.start()
    return "", 0


def to_blocks(raw: RawDocument) -> list[Block]:
    """Preamble, recitals, then the articles with their chapters and sections; footnotes last."""
    body, marks, notes = _page_texts(raw)
    b = _Builder(body, marks)
    whereas, adopted = _WHEREAS.search(body), _ADOPTED.search(body)
    if not whereas or not adopted or adopted.start() < whereas.end():
        return []
    b.add(0, whereas.end(), "text", None, (), strip=False)
    recitals = body[whereas.end():adopted.start()]
    found = _sequence(recitals, "(%s)")
    if found and found[0][0] > 0:
        b.add(whereas.end(), whereas.end() + found[0][0], "text", None, ("Recitals",), strip=False)
    for a, z, name in _spans(recitals, found, whereas.end()):
        b.add(a, z, "para", f"recital {name}", ("Recitals",))
    b.add(adopted.start(), adopted.end(), "text", None, (), strip=False)
    enacting = body[adopted.end():]
    base = adopted.end()
    articles = _sequence(enacting, "Article %s")
    heading: list[str] = []
    if articles:
        lead = enacting[:articles[0][0]].strip()
        heading = _headings([], lead) if lead else []
    for a, z, name in _spans(enacting, articles, base):
        segment = body[a:z]
        tail = _HEADING.search(segment, max(0, len(segment) - 300))  # the next chapter or section heading
        after = segment[tail.start():].strip() if tail else ""
        z = a + tail.start() if tail else z
        rest = re.sub(r"^Article\s+\d+\s+", "", body[a:z])
        title, at = _title(rest)
        offset = z - len(rest) + at
        section = (*heading, f"Article {name} {title}".strip())
        paras = _sequence(body[offset:z], "%s.")
        if not paras or paras[0][0] > 0:
            paras = [(0, "")] + paras
        for pa, pz, p in _spans(body[offset:z], paras, offset):
            b.points(pa, pz, f"Article {name}" + (f"({p})" if p else ""), section)
        if after:
            heading = _headings(heading, after)
    return b.blocks + notes


def _headings(current: list[str], text: str) -> list[str]:
    """The heading path after a chapter ("CHAPTER II Principles") and/or section heading."""
    m = re.search(r"\bSection\s+\d+\b", text)
    chapter, section = (text[:m.start()].strip(), text[m.start():].strip()) if m else (text.strip(), "")
    if chapter:
        return [chapter, section] if section else [chapter]
    return [*current[:1], section]
