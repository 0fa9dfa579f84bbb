"""Citation formatting: short and copy-ready references, BibTeX and RIS entries.

Pure functions of a Document and (optionally) a Passage:

    short_reference -> UNCTAD (1999), TD/B/COM.3/22, para. 18, p. 6
    full_reference  -> UNCTAD (1999). Policies and ... clusters (TD/B/COM.3/22), para. 18, p. 6.

The paragraph appears only when the passage has one; the page is the printed page label when
there is one, else the PDF page; text files (no pages) get no page.
"""

from __future__ import annotations

import re
import unicodedata

from kb.types import Citation, Document, Hit, Passage, para_label

_INSTITUTIONAL = re.compile(r"\b(secretariat|organisation|organization|office|commission|committee|"
                            r"conference|department|ministry|bank|agency|council|unit|division|programme)\b", re.IGNORECASE)
_EDITOR = re.compile(r"\(\s*eds?\.?\s*\)", re.IGNORECASE)
_CHAPTER_TITLE = re.compile(r"^(?P<book>.+?)\s*\((?:chapter|ch\.)\s*(?P<n>[\w.]+)?\s*[:.\u2013-]\s*(?P<chapter>.+)\)$",
                            re.IGNORECASE)
_CHAPTER_KINDS = {"book chapter", "chapter", "incollection"}
_REPORT_KINDS = {"report", "issues paper", "note by the secretariat", "background report", "briefing paper",
                 "working paper", "policy brief", "technical report", "note", "resolution", "decision"}


def authors_and_editors(doc: Document) -> tuple[list[str], list[str]]:
    """(authors, editors) from the authors field. "(eds)" closes a run of editors: in
    "A; B (eds); C; D" A and B edited the volume, C and D wrote the chapter."""
    authors: list[str] = []
    editors: list[str] = []
    for name in (a.strip() for a in (doc.authors or "").split(";")):
        if not name:
            continue
        if _EDITOR.search(name):
            editors += authors + [_EDITOR.sub("", name).strip()]
            authors = []
        else:
            authors.append(name)
    return authors, editors


def chapter_parts(title: str) -> tuple[str, str, str] | None:
    """(book title, chapter number, chapter title) of "Book (chapter 1: Chapter title)", else None."""
    m = _CHAPTER_TITLE.match(one_line(title or ""))
    return (m.group("book"), m.group("n") or "", m.group("chapter")) if m else None


def author_list(doc: Document) -> list[str]:
    """The document's authors in byline order, editors left out when there are authors;
    an institutional author ("UNCTAD secretariat") becomes the publisher's name."""
    authors, editors = authors_and_editors(doc)
    out: list[str] = []
    for a in authors or editors:
        if _INSTITUTIONAL.search(a) or (doc.publisher and a.lower().startswith(doc.publisher.lower())):
            a = doc.publisher or a
        if a and a not in out:
            out.append(a)
    return out


def _surname(name: str) -> str:
    if "," in name:
        return name.split(",")[0].strip()
    parts = name.split()
    if len(parts) <= 1 or name.isupper():
        return name
    return parts[-1]


def _is_person(name: str, doc: Document) -> bool:
    return bool(name) and name != doc.publisher and not name.isupper() and len(name.split()) > 1


def creator(doc: Document) -> str:
    """Who the reference names first: 'Surname', 'A and B', 'A et al.', or the publisher."""
    authors = author_list(doc)
    if not authors:
        return doc.publisher or doc.short_title or doc.title or doc.file
    names = [_surname(a) if _is_person(a, doc) else a for a in authors]
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


def year_text(doc: Document) -> str:
    return str(doc.year) if doc.year else "n.d."


def page_text(passage: Passage | None) -> str | None:
    """'p. 6' or 'pp. 6-7' from the printed page label (else the PDF page); None without pages."""
    if passage is None or passage.page_start is None:
        return None
    start: str = passage.page_label or str(passage.page_start)
    end: str | None = None
    if passage.page_end is not None and passage.page_end != passage.page_start:
        span = passage.page_end - passage.page_start
        if passage.page_label is None:
            end = str(passage.page_end)
        elif passage.page_label.isdigit():
            end = str(int(passage.page_label) + span)
    return f"pp. {start}-{end}" if end else f"p. {start}"


_BOX = re.compile(r"^(Box\s+[\w.]+?)[.:]?(?:\s|$)")
_NOTE = re.compile(r"^\*?(\d{1,3})(?:/|\.)?\s")
_ANNEX = re.compile(r"^((?:Annex(?:es)?|ANNEX(?:ES)?)\b(?:\s+(?:[IVXLC]+|\d+|[A-Z])\b)?)")  # not "Annexation"


def where_in_document(passage: Passage) -> str:
    """'Box 2', 'note 3' or 'annex II' when the passage stands in one (from its text or its
    section path), else ''."""
    if passage.kind == "box":
        for text in (passage.text, *reversed(passage.section)):
            m = _BOX.match(text)
            if m:
                return m.group(1)
    if passage.kind == "footnote":
        m = _NOTE.match(passage.text)
        if m:
            return f"note {m.group(1)}"
    for heading in passage.section:
        m = _ANNEX.match(heading)
        if m:
            return re.sub(r"^annex(?:es)?", lambda w: w.group(0).lower(), m.group(1), flags=re.IGNORECASE)
    return ""


def locator(passage: Passage | None) -> str:
    """'para. 18, p. 6', 'Box 2, p. 5', 'note 3', 'annex II, para. 4' ... or '' depending on what
    the passage has."""
    if passage is None:
        return ""
    parts = [where] if (where := where_in_document(passage)) else []
    if passage.para:
        parts.append(para_label(passage.para))
    page = page_text(passage)
    if page:
        parts.append(page)
    return ", ".join(parts)


OCR_NOTE = "text read by OCR"


def superseded_note(doc: Document) -> str:
    """'superseded by X/Rev.1' when search flagged the document as replaced by a revision, else ''."""
    flag = next((f for f in doc.flags if f.startswith("superseded-by:")), "")
    return f"superseded by {flag.split(':', 1)[1]}" if flag else ""


def ocr_pages(doc: Document) -> set[int]:
    """The pages of the document whose text kb read by OCR (from its 'ocr-pages:1-3,7' flag)."""
    flag = next((f for f in doc.flags if f.startswith("ocr-pages:")), "")
    pages: set[int] = set()
    for part in flag.split(":", 1)[-1].split(",") if flag else ():
        a, _, b = part.partition("-")
        if a.isdigit():
            pages.update(range(int(a), int(b or a) + 1))
    return pages


def read_by_ocr(doc: Document, passage: Passage | None) -> bool:
    """Whether the passage's text comes from OCR of a scanned page (its reference says so)."""
    if passage is None or passage.page_start is None:
        return False
    pages = ocr_pages(doc)
    return bool(pages) and any(p in pages for p in range(passage.page_start, (passage.page_end or passage.page_start) + 1))


def short_reference(doc: Document, passage: Passage | None = None) -> str:
    """`UNCTAD (1999), TD/B/COM.3/22, para. 18, p. 6` (then "(superseded by X/Rev.1)" for an
    older version, "(text read by OCR)" for a passage from a scanned page)."""
    who = creator(doc)
    label = doc.symbol or doc.short_title or doc.title or doc.file
    if label == who:  # no author or publisher: the title already leads, as in APA
        label = ""
    text = ", ".join(x for x in (f"{who} ({year_text(doc)})", label, locator(passage)) if x)
    notes = [n for n in (superseded_note(doc), OCR_NOTE if read_by_ocr(doc, passage) else "") if n]
    return f"{text} ({'; '.join(notes)})" if notes else text


def full_reference(doc: Document, passage: Passage | None = None) -> str:
    """`UNCTAD (1999). Policies and non-fiscal measures ... (TD/B/COM.3/22), para. 18, p. 6.`"""
    title = (doc.title or doc.short_title or doc.file).strip().rstrip(".")
    if doc.symbol and doc.symbol not in title:
        title = f"{title} ({doc.symbol})"
    tail = locator(passage)
    if author_list(doc) or doc.publisher:
        text = f"{creator(doc)} ({year_text(doc)}). {title}"
    else:  # no author or publisher: the title leads, once (APA)
        text = f"{title} ({year_text(doc)})"
    if doc.publisher and doc.publisher not in creator(doc):
        text += f". {doc.publisher}"
    if tail:
        text += f", {tail}"
    text = text if text.endswith((".", "?", "!")) else text + "."
    for note in (superseded_note(doc), OCR_NOTE if read_by_ocr(doc, passage) else ""):
        if note:
            text += f" ({note[0].upper() + note[1:]}.)"
    return text


def cite_key(doc: Document) -> str:
    """A BibTeX key such as unctad1999policies, stable for a document."""
    first = re.sub(r"[^a-z]", "", _ascii(creator(doc).split()[0]).lower()) or "doc"
    title_words = [w for w in re.findall(r"[a-z]+", _ascii(doc.title or doc.file).lower()) if len(w) > 3]
    return f"{first}{doc.year or 'nd'}{title_words[0] if title_words else ''}"


def one_line(text: str) -> str:
    """A field value on one line: runs of whitespace (a PDF's line breaks) become one space."""
    return " ".join(text.split())


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _bib_escape(text: str) -> str:
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


def bibtex_type(doc: Document) -> str:
    kind = (doc.kind or "").lower()
    if kind in _CHAPTER_KINDS:
        return "incollection"
    if kind in _REPORT_KINDS or doc.symbol:
        return "techreport"
    return "misc"


def bibtex(doc: Document, passage: Passage | None = None, quote: str | None = None, key: str | None = None) -> str:
    """A BibTeX entry for the document; the passage's paragraph and page go into `note`,
    the quote (if any) into `annote`."""
    kind = bibtex_type(doc)
    people = author_list(doc)
    fields: list[tuple[str, str]] = []
    if people:
        fields.append(("author", " and ".join(
            _bib_escape(p) if _is_person(p, doc) else "{" + _bib_escape(p) + "}" for p in people)))
    parts = chapter_parts(doc.title) if kind == "incollection" else None
    fields.append(("title", "{" + _bib_escape(parts[2] if parts else doc.title or doc.file) + "}"))
    if kind == "incollection":
        written, edited = authors_and_editors(doc)
        editors = edited if written else []
        if parts:
            fields.append(("booktitle", parts[0]))
        if editors:
            fields.append(("editor", " and ".join(editors)))
        if parts and parts[1]:
            fields.append(("chapter", parts[1]))
    if doc.year:
        fields.append(("year", str(doc.year)))
    if doc.publisher:
        fields.append(("institution" if kind == "techreport" else "publisher", doc.publisher))
    if doc.symbol:
        fields.append(("number", doc.symbol))
    if doc.kind and kind == "techreport":
        fields.append(("type", doc.kind))
    loc = locator(passage)
    if loc:
        fields.append(("note", loc))
    page = page_text(passage)
    if page:
        fields.append(("pages", page.split(" ", 1)[1].replace("-", "--")))
    if quote:
        fields.append(("annote", quote))
    body = ",\n".join(f"  {name} = {{{one_line(value if name in ('author', 'title') else _bib_escape(value))}}}"
                       for name, value in fields)
    return f"@{kind}{{{key or cite_key(doc)},\n{body}\n}}\n"


def ris(doc: Document, passage: Passage | None = None, quote: str | None = None) -> str:
    """An RIS record; paragraph and page in N1 and SP, the quote (if any) in AB."""
    kind = bibtex_type(doc)
    ty = {"incollection": "CHAP", "techreport": "RPRT"}.get(kind, "GEN")
    lines = [f"TY  - {ty}"]
    lines += [f"AU  - {one_line(a)}" for a in author_list(doc)]
    lines.append(f"TI  - {one_line(doc.title or doc.file)}")
    if doc.year:
        lines.append(f"PY  - {doc.year}")
    if doc.publisher:
        lines.append(f"PB  - {doc.publisher}")
    if doc.symbol:
        lines.append(f"SN  - {doc.symbol}")
    page = page_text(passage)
    if page:
        pages = page.split(" ", 1)[1].split("-")
        lines.append(f"SP  - {pages[0]}")
        if len(pages) > 1:
            lines.append(f"EP  - {pages[1]}")
    loc = locator(passage)
    if loc:
        lines.append(f"N1  - {loc}")
    if quote:
        lines.append(f"AB  - {one_line(quote)}")
    lines.append("ER  - ")
    return "\n".join(lines) + "\n"


def cite_hit(n: int, hit: Hit) -> Citation:
    """Citation number n for a hit, with its full and short references."""
    return Citation(n=n, passage=hit.passage, document=hit.document,
                    reference=full_reference(hit.document, hit.passage),
                    short_reference=short_reference(hit.document, hit.passage))
