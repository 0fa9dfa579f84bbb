"""Plain text and Markdown files -> `RawDocument` of clean lines.

Decodes the bytes (by BOM, UTF-16 without one, UTF-8, cp1252, latin-1; binary data refused), removes Markdown and the
HTML tags that text conversions of papers carry (`**`, `*x*`, `<b>`, `<i>`, `<sup>N</sup>`
footnote references), turns `#` headings and whole-bold paragraphs into heading lines,
Markdown tables into readable "cell | cell" rows and marks footnote lines (those under a
`---` rule or starting with a superscript number). Paragraph structure is left to
`ingest.structure`.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ingest.model import Line, RawDocument
from ingest.patterns import section_role
from kb.errors import EmptyDocumentError, IngestError

ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1")
FIRST_TEXT_CHARS = 2000
MAX_BOLD_HEADING_CHARS = 200

_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_BULLET = re.compile(r"^\s*[-*+•]\s+(?=\S)")
# a footnote line: "<sup>3</sup> text", "$<sup>^2</sup>$ text", "$^{2}$ text"
_FOOTNOTE_START = re.compile(r"^\s*(?:\$\s*)?<sup>\s*\^?\{?([0-9]{1,3}|\\?\*|[a-z])\}?\s*</sup>(?:\s*\$)?\s*")
_LATEX_FOOTNOTE_START = re.compile(r"^\s*\$\s*\^\{?([0-9]{1,3})\}?\s*\$\s*")
_NUMBERED_NOTE = re.compile(r"^\s*\d{1,3}\.?\s+\S")
_SUP = re.compile(r"\$?\s*<sup>(.*?)</sup>\s*\$?", re.DOTALL)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>")
_TAG = re.compile(
    r"</?(?:b|i|u|em|strong|span|small|sub|font|mark|p|div|a|br|center|big|tt|code|s|strike|del|ins)\b[^>]*>",
    re.IGNORECASE,
)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_BOLD_ITALIC = (
    re.compile(r"\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*"),
    re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"),
    re.compile(r"(?<![\w*\\])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"),
    re.compile(r"(?<![\w\\])__(?=\S)(.+?)(?<=\S)__(?![\w])"),
    re.compile(r"(?<![\w\\])_(?=\S)(.+?)(?<=\S)_(?![\w])"),
)
_CODE = re.compile(r"`([^`]*)`")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$|<>&~=])")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_WHOLE_BOLD = re.compile(r"^\s*(?:\*\*\*?|<b>\s*(?:<i>)?)(.+?)(?:\*\*\*?|(?:</i>)?\s*</b>)\s*$", re.DOTALL)


MAX_TEXT_BYTES = 50 * 1024 * 1024  # a text file larger than this is refused before it is read
MAX_CONTROL_SHARE = 0.005  # more control characters than this (NUL and the like) means binary data
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # C0 controls but whitespace, and DEL: no text has many


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without a byte-order mark: ASCII-range text puts a NUL in every other byte."""
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2].count(0) / (len(sample) / 2), sample[1::2].count(0) / (len(sample) / 2)
    if odd > 0.4 and even < 0.05:
        return "utf-16-le"
    if even > 0.4 and odd < 0.05:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, name: str = "file") -> str:
    """The text of `data`: by its byte-order mark (UTF-8, UTF-16, UTF-32), UTF-16 recognised without
    one, else UTF-8, cp1252, latin-1. Binary data (many control characters) is an IngestError."""
    text = None
    for bom, enc in _BOMS:
        if data.startswith(bom):
            text = data[len(bom):].decode(enc, errors="replace")
            break
    if text is None and (enc := _utf16_without_bom(data)):
        text = data.decode(enc, errors="replace")
    if text is None:
        for enc in ENCODINGS:
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    if text is None:  # pragma: no cover  (latin-1 decodes any bytes)
        raise IngestError(f'cannot decode "{name}" as text; save it as UTF-8 and ingest again')
    controls = len(_CONTROL.findall(text))
    if controls > MAX_CONTROL_SHARE * max(len(text), 1):
        raise IngestError(f'"{name}" looks like binary data, not text ({controls} control characters in '
                          f"{len(text)}); if it is a PDF or another format, give it its real extension")
    return _CONTROL.sub("", text) if controls else text


def _sup(match: re.Match[str]) -> str:
    """Superscripts: footnote references (numbers, *, daggers) are dropped; ordinals stay."""
    inner = match.group(1).strip().strip("^{}$\\")
    if re.fullmatch(r"(st|nd|rd|th|er|e|re|o|a)", inner, re.IGNORECASE):
        return inner + (" " if match.group(0)[-1:].isspace() else "")
    # a dropped reference keeps the words around it apart, but leaves no space before punctuation
    following = match.string[match.end() : match.end() + 1]
    spaced = match.group(0)[:1].isspace() or match.group(0)[-1:].isspace()
    return " " if spaced and following not in ",.;:!?)" else ""


def clean_inline(text: str) -> str:
    """Remove inline markup from one line of Markdown/HTML-ish text; whitespace normalised."""
    text = _AUTOLINK.sub(r"\1", text)
    text = _SUP.sub(_sup, text)
    text = _TAG.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    for pattern in _BOLD_ITALIC:
        text = pattern.sub(r"\1", text)
    text = _ESCAPE.sub(r"\1", text)
    text = html.unescape(text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def _table_row(raw: str) -> str:
    cells = [clean_inline(c) for c in raw.strip().strip("|").split("|")]
    return " | ".join(c for c in cells)


def _footnote_text(raw: str) -> str | None:
    """ "N text" for a line that opens a footnote, else None."""
    for pattern in (_FOOTNOTE_START, _LATEX_FOOTNOTE_START):
        m = pattern.match(raw)
        if m:
            mark = m.group(1).replace("\\", "")
            rest = clean_inline(raw[m.end():])
            return f"{mark} {rest}".strip()
    return None


def _unfence(text: str) -> str:
    """Fenced code blocks: the fences go, the lines stay as plain text (no headings, tables, bullets)."""
    out: list[str] = []
    fenced = False
    for raw in text.split("\n"):
        if _FENCE.match(raw):
            fenced = not fenced
            continue
        out.append(re.sub(r"^(\s*)([#|>*+\-=_])", r"\1\\\2", raw) if fenced else raw)
    return "\n".join(out)


def _paragraphs(text: str) -> list[list[str]]:
    """Split raw text into runs of non-blank lines (Markdown paragraphs)."""
    runs: list[list[str]] = []
    current: list[str] = []
    for raw in text.split("\n"):
        if raw.strip():
            current.append(raw.rstrip())
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _bold_heading(run: list[str]) -> str | None:
    """A paragraph that is bold as a whole and short reads as a heading."""
    joined = " ".join(r.strip() for r in run)
    if len(joined) > MAX_BOLD_HEADING_CHARS or _TABLE_ROW.match(joined):
        return None
    m = _WHOLE_BOLD.match(joined)
    if not m or re.search(r"\*\*|</?b>|\.{4,}|\t", m.group(1).strip("*")):
        return None
    text = clean_inline(joined)
    return text or None


def _named_section(run: list[str]) -> str | None:
    """A one-line paragraph that is just a section name ("Executive Summary", "References:")."""
    if len(run) != 1 or len(run[0]) > 60 or _HEADING.match(run[0]):
        return None
    text = clean_inline(run[0])
    return text if section_role(text) not in {"", "pagelabel"} else None


def parse_markdown(text: str) -> list[Line]:
    """Clean `Line`s from Markdown-like text (pure function; see module docstring)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = text.replace("<sup>&</sup>lt;", "<")  # a doubly escaped tag seen in conversions
    text = _COMMENT.sub("", text)
    text = _unfence(text)
    lines: list[Line] = []
    in_notes = False  # below a `---` rule: footnote lines until body text resumes
    last_note = 0  # footnote numbers rise through a document; body paragraphs break the run
    for run in _paragraphs(text):
        first = True

        def add(t: str, **kw: object) -> None:
            nonlocal first
            if t:
                lines.append(Line(text=t, blank_before=first, **kw))  # type: ignore[arg-type]
                first = False

        if len(run) == 2 and _SETEXT.match(run[1]) and not _TABLE_ROW.match(run[0]):
            in_notes = False
            add(clean_inline(run[0]), heading_level=1 if "=" in run[1] else 2)
            continue
        if len(run) == 1 and _RULE.match(run[0]):
            in_notes = True
            continue
        heading = _bold_heading(run) or _named_section(run)
        if heading:
            in_notes = False
            add(heading, heading_level=6)
            continue
        note_run = False
        for raw in run:
            if _RULE.match(raw):
                in_notes = True
                continue
            h = _HEADING.match(raw)
            if h:
                in_notes = False
                add(clean_inline(h.group(2)), heading_level=len(h.group(1)))
                continue
            if _TABLE_ROW.match(raw):
                if not _TABLE_SEP.match(raw):
                    add(_table_row(raw), kind="table")
                continue
            note = _footnote_text(raw)
            if note is None and in_notes and first and _NUMBERED_NOTE.match(raw):
                number = int(re.match(r"\s*(\d+)", raw).group(1))  # type: ignore[union-attr]
                if last_note < number <= last_note + 3:  # notes are numbered in sequence
                    note = clean_inline(raw)
            if note is not None:
                mark = re.match(r"(\d+)", note)
                last_note = int(mark.group(1)) if mark else last_note
                note_run = True
                add(note, kind="footnote")
                continue
            if note_run:  # a footnote's own continuation lines
                add(clean_inline(raw), kind="footnote")
                continue
            if first:
                in_notes = False
            cleaned = clean_inline(_BULLET.sub("• ", raw))
            add(cleaned)
    return lines


def read_text(path: Path) -> RawDocument:
    """Read a .txt/.md/.markdown file into clean lines; raises EmptyDocumentError when blank."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise IngestError(f'"{path.name}" is {size / 2**20:.0f} MB, over the {MAX_TEXT_BYTES // 2**20} MB limit '
                              "for a text file; split it into smaller files and ingest those")
        data = path.read_bytes()
    except OSError as err:
        raise IngestError(f'cannot read "{path}" ({err.strerror}); check the path and permissions') from err
    text = decode_bytes(data, path.name)
    lines = parse_markdown(text)
    if not lines:
        raise EmptyDocumentError(f'"{path}" holds no text (empty or whitespace only); add content or remove the file')
    fmt = "markdown" if path.suffix.lower() in {".md", ".markdown"} else "text"
    first_text = ""
    for line in lines:
        if len(first_text) >= FIRST_TEXT_CHARS:
            break
        first_text += ("\n" if first_text else "") + line.text
    return RawDocument(lines=tuple(lines), fmt=fmt, pages=None, meta={"first_text": first_text[:FIRST_TEXT_CHARS]})
