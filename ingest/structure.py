"""Lines -> blocks: the document's own structure, for text and PDF line streams alike.

Finds section headings (Markdown levels, or patterns such as "II. Background", "A. Mandate",
"1.2. Title", "Chapter 2", ALL-CAPS lines in PDFs) and keeps the heading path; numbered
paragraphs ("18. Text") with sequence-aware numbering; boxes ("Box 2 Title"); the executive
summary; tables; footnotes; table-of-contents lines. The line classifiers are pure functions
in `ingest.patterns`; this module holds the walk over the lines.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from ingest.model import Block, Line, RawDocument, page_marks_of, shift_marks
from ingest.numbering import continues_sequence
from ingest.patterns import (
    box_title,
    ends_sentence,
    heading_pattern_level,
    heading_runs_on,
    is_list_item,
    is_numbered_subheading,
    is_soft_top,
    is_toc_line,
    line_width,
    looks_like_citation,
    looks_like_pdf_heading,
    para_number,
    pdf_footnote_lines,
    section_role,
)

MAX_PARA_PAGES = 2  # a numbered paragraph (or box) spans at most three pages
MAX_PARA_CHARS = 15000


@dataclass
class _Open:
    """A block under construction."""

    kind: str
    section: tuple[str, ...]
    para: str | None = None
    lines: list[Line] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def add(self, line: Line, text: str | None = None) -> None:
        self.lines.append(line)
        self.texts.append(line.text if text is None else text)

    def block(self) -> Block | None:
        body = _join(self.lines, self.texts)
        if not body:
            return None
        first = self.lines[0]
        pages = [ln.page for ln in self.lines if ln.page is not None]
        return Block(
            text=body,
            kind=self.kind,
            para=self.para,
            section=self.section,
            page_start=pages[0] if pages else None,
            page_end=pages[-1] if pages else None,
            page_label=first.page_label,
            page_marks=page_marks_of(self.lines, self.texts, body),
        )


def _joined_marks(a: Block, b: Block, offset: int) -> tuple[tuple[int, int, str | None], ...]:
    """The page marks of `a` followed by those of `b` shifted by `offset` (a page that just
    continues is not marked twice)."""
    tail = [m for m in shift_marks(b.page_marks, offset) if not a.page_marks or m[1] != a.page_marks[-1][1]]
    return tuple(a.page_marks) + tuple(tail)


def _join(lines: list[Line], texts: list[str]) -> str:
    """Lines of one block: a new line before list items, table rows and after blank lines; soft
    hyphens at line ends rejoin the word."""
    out = ""
    for line, text in zip(lines, texts):
        text = text.strip()
        if not text:
            continue
        if not out:
            out = text
        elif line.blank_before or line.kind == "table" or is_list_item(text):
            out += "\n" + text
        elif out.endswith("\u00ad"):
            out = out[:-1] + text
        else:
            out += " " + text
    return out


class _Walker:
    """The state of one walk over a document's lines (see `to_blocks`)."""

    def __init__(self, fmt: str) -> None:
        self.pdf = fmt == "pdf"
        self.blocks: list[Block] = []
        self.pending: list[Block] = []  # footnotes/tables met inside an open paragraph or box
        self.stack: list[tuple[int, str, int, bool]] = []  # heading path: (level, title, md level, patterned)
        self.current: _Open | None = None
        self.last_para: int | None = None
        self.heading_since_para = True
        self.in_list = False  # numbered list items inside the open block
        self.box_titled = False
        self.contents_over = False  # body text met under a contents heading ends the contents

    # ----------------------------------------------------------------- helpers
    @property
    def section(self) -> tuple[str, ...]:
        return tuple(entry[1] for entry in self.stack)

    def role(self) -> str:
        """The role of the innermost special section on the path: contents, notes, references, summary."""
        for entry in reversed(self.stack):
            role = section_role(entry[1])
            if role == "contents" and self.contents_over:
                return ""
            if role:
                return role
        return ""

    def emit(self, block: Block | None) -> None:
        if block is not None:
            self.blocks.append(block)

    def close(self) -> None:
        if self.current is not None:
            self.emit(self.current.block())
            self.current = None
        self.blocks.extend(self.pending)
        self.pending = []
        self.in_list = False

    def side_block(self, kind: str, line: Line, text: str | None = None) -> None:
        """A footnote or table line: kept out of the open paragraph, emitted after it."""
        target = self.pending if self.current is not None and self.current.kind in {"para", "box"} else None
        opener = _Open(kind=kind, section=self.section)
        opener.add(line, text)
        block = opener.block()
        if block is None:
            return
        queue = target if target is not None else self.blocks
        if target is None and self.current is not None:
            self.close()
            queue = self.blocks
        prev = queue[-1] if queue else None
        continues = prev is not None and prev.kind == kind and (
            kind == "table" or (not line.blank_before and para_number(line.text) is None and not _note_mark(line.text))
        )
        if continues and prev is not None:
            sep = "\n" if kind == "table" else " "
            queue[-1] = Block(
                text=prev.text + sep + block.text,
                kind=kind,
                section=prev.section,
                page_start=prev.page_start,
                page_end=block.page_end if block.page_end is not None else prev.page_end,
                page_label=prev.page_label,
                page_marks=_joined_marks(prev, block, len(prev.text) + len(sep)),
            )
        else:
            queue.append(block)

    # ----------------------------------------------------------------- headings
    def heading(self, text: str, md_level: int, line: Line, sub: bool = False) -> None:
        """A heading of level n replaces the path from level n on; `sub`: one below the current one."""
        self.close()
        if self.role() == "contents" and section_role(text) == "pagelabel":
            return  # "Page" / "Paragraphs" column labels inside a table of contents
        self.contents_over = False
        level = heading_pattern_level(text)
        if sub:  # a numbered sub-heading: below the current heading, or beside the last sub-heading
            level = self.stack[-1][0] + (self.stack[-1][2] != -1) if self.stack else 1
        patterned = level is not None
        inside_numbered = self.pdf and any(entry[3] for entry in self.stack)
        if level is None and (section_role(text) or (text.isupper() and len(text) > 3)) \
                and not (inside_numbered and is_soft_top(text)):
            level = 1  # "Conclusions" inside "III. ..." of a PDF stays below it
        if level is None:
            # an unnumbered heading: a sibling of the unnumbered headings above it at the same or a
            # deeper Markdown level, else one level below the heading it follows
            level = self.stack[-1][0] + 1 if self.stack else 1
            for entry_level, _, entry_md, entry_patterned in reversed(self.stack):
                if entry_patterned or entry_md < md_level:
                    break
                level = entry_level
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, text.rstrip(" :"), md_level, patterned))
        self.heading_since_para = True
        self.emit(Block(text=text, kind="heading", section=self.section, page_start=line.page,
                        page_end=line.page, page_label=line.page_label))

    def start_box(self, title: str, line: Line) -> None:
        self.close()
        self.current = _Open(kind="box", section=self.section)
        self.current.add(line, title)
        self.box_titled = ":" in title  # box_title gives "Box 2: Title", or "Box 2" when the title follows

    # ----------------------------------------------------------------- body
    def numbered(self, n: int, rest: str, line: Line, upcoming: list[int]) -> bool:
        """Start paragraph n when it continues the sequence; False when the line is not a paragraph."""
        if self.role() in {"contents", "notes", "references"}:
            return False
        last = self.last_para
        ok = continues_sequence(n, last, self.heading_since_para, upcoming)
        if ok and self.in_list and last is not None and n != last + 1:
            ok = False
        if ok and self.current is not None and self.current.kind in {"para", "box"} and n != (last or 0) + 1:
            # after a lead-in colon, a number other than the next one is a list item
            prev_text = self.current.texts[-1] if self.current.texts else ""
            ok = not prev_text.rstrip().endswith(":")
        if not ok:
            return False
        self.close()
        self.current = _Open(kind="para", section=self.section, para=str(n))
        self.current.add(line, rest)
        self.last_para = n
        self.heading_since_para = False
        return True

    def body(self, line: Line, text: str) -> None:
        cur = self.current
        role = self.role()
        default_kind = "summary" if role == "summary" else "text"
        if cur is None:
            self.current = _Open(kind=default_kind, section=self.section)
            self.current.add(line, text)
            return
        if cur.kind in {"para", "box"} and _too_long(cur, line):
            # no numbered paragraph runs on for pages: what follows is unnumbered text
            self.close()
            self.current = _Open(kind=default_kind, section=self.section)
            self.current.add(line, text)
            return
        if cur.kind in {"para", "box"} or not line.blank_before:
            cur.add(line, text)
            return
        prev = cur.texts[-1] if cur.texts else ""
        if not ends_sentence(prev) and text[:1].islower():
            cur.add(line, text)
            return
        self.close()
        self.current = _Open(kind=default_kind, section=self.section)
        self.current.add(line, text)


def _too_long(block: _Open, line: Line) -> bool:
    """Whether a paragraph or box would run on beyond any real one (pages or characters)."""
    first = block.lines[0].page
    if first is not None and line.page is not None and line.page - first > MAX_PARA_PAGES:
        return True
    return sum(len(t) for t in block.texts) > MAX_PARA_CHARS


def _note_mark(text: str) -> bool:
    """A footnote line opens with its number or mark ("12 Text", "* Text")."""
    head = text.split(" ", 1)[0].rstrip(".")
    return head.isdigit() or head in {"*", "**", "†", "‡"}


def _candidates(lines: tuple[Line, ...]) -> list[tuple[int, int]]:
    """(line index, number) of the lines that could open a numbered paragraph."""
    out = []
    for i, line in enumerate(lines):
        if line.kind or line.heading_level:
            continue
        number = para_number(line.text)
        if number is not None and not is_toc_line(line.text) and not looks_like_citation(number[1]):
            out.append((i, number[0]))
    return out


def _rescued(walker: _Walker, text: str, candidates: list[tuple[int, int]], positions: list[int], index: int) -> bool:
    """A line marked as a note that is plainly the next paragraph: "N. Text" with N = last + 1,
    not a citation, and the next numbered line is N + 1."""
    number = para_number(text)
    if number is None or walker.last_para is None or looks_like_citation(number[1]):
        return False
    at = bisect_right(positions, index)
    following = candidates[at][1] if at < len(candidates) else None
    return number[0] == walker.last_para + 1 and following == number[0] + 1


def to_blocks(raw: RawDocument) -> list[Block]:
    """The document's blocks in reading order (see module docstring); an EU act by its own
    recitals and articles (`ingest.eu_act`)."""
    from ingest import eu_act

    if eu_act.is_eu_act(raw):
        return eu_act.to_blocks(raw)
    walker = _Walker(raw.fmt)
    lines = raw.lines
    candidates = _candidates(lines)
    positions = [c[0] for c in candidates]
    notes = pdf_footnote_lines(lines) if walker.pdf else set()
    width = line_width(lines) if walker.pdf else 90
    i = 0
    while i < len(lines):
        line = lines[i]
        text = line.text.strip()
        index = i
        i += 1
        if not text:
            continue
        prev = lines[i - 2] if i >= 2 else None
        nxt = lines[i] if i < len(lines) else None
        role = walker.role()

        # table-of-contents lines never become body text
        toc = line.kind == "toc" or is_toc_line(text)
        if not toc and role == "contents" and not line.heading_level:
            toc = is_toc_line(text, in_contents=True) and not (
                walker.pdf and looks_like_pdf_heading(line, prev, nxt) and not is_toc_line(text, trailing_number=True))
            # running text (a sentence, or a long line) ends the contents
            walker.contents_over = not toc and (ends_sentence(text) or len(text.split()) > 25)
        if toc:
            walker.close()
            walker.emit(Block(text=text, kind="toc", section=walker.section, page_start=line.page,
                              page_end=line.page, page_label=line.page_label))
            continue
        if (line.kind == "footnote" or index in notes) and not _rescued(walker, text, candidates, positions, index):
            walker.side_block("footnote", line, text)
            continue
        if line.kind == "table":
            walker.side_block("table", line, text)
            continue

        heading_level = line.heading_level
        after_heading = bool(walker.blocks) and walker.blocks[-1].kind == "heading" and walker.current is None
        if not heading_level and walker.pdf and looks_like_pdf_heading(line, prev, nxt, after_heading, width):
            heading_level = 9
            while heading_runs_on(text, nxt, width):  # a heading wrapped over several lines
                text = f"{text} {nxt.text.strip()}"  # type: ignore[union-attr]
                i += 1
                nxt = lines[i] if i < len(lines) else None

        box = box_title(text, is_heading=heading_level > 0 or line.blank_before or prev is None
                        or (prev.page != line.page))
        if box is not None:
            walker.start_box(box, line)
            continue

        if heading_level:
            cur = walker.current
            if cur is not None and cur.kind == "box" and heading_pattern_level(text) is None \
                    and not section_role(text):
                # an unnumbered heading inside a box: its title or a sub-heading of the box
                if not walker.box_titled:
                    cur.texts[-1] = cur.texts[-1].rstrip(".: ") + ": " + text
                    walker.box_titled = True
                else:
                    cur.add(Line(text=text, page=line.page, page_label=line.page_label, blank_before=True))
                continue
            walker.heading(text, heading_level, line)
            continue

        number = para_number(text)
        if number is not None:
            n, rest = number
            at = bisect_right(positions, index)
            upcoming = [c[1] for c in candidates[at : at + 4]]
            if walker.numbered(n, rest, line, upcoming):
                continue
            if role == "references":
                walker.body(line, text)
                continue
            cur = walker.current
            inside = cur is not None and cur.kind in {"para", "box", "text", "summary"}
            if role == "notes" or (not inside and looks_like_citation(rest)) or (
                cur is not None and cur.kind == "para" and looks_like_citation(rest)
                and walker.last_para is not None and n < walker.last_para and not walker.in_list
            ):
                walker.side_block("footnote", line, text)
                continue
            alone = nxt is None or nxt.blank_before or nxt.page != line.page or (index + 1) in notes \
                or bisect_right(positions, index + 1) > bisect_right(positions, index)
            if walker.pdf and is_numbered_subheading(text, alone):
                walker.heading(text, -1, line, sub=True)
                continue
            walker.in_list = cur is not None
            walker.body(line, text)
            continue
        walker.body(line, text)
    walker.close()
    return walker.blocks
