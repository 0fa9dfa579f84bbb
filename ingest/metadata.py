"""Document metadata: an optional catalog.csv beside the papers, plus what the file itself says.

`load_catalog` reads the user's own list (file,title,short_title,authors,publisher,year,symbol,
kind); `document_fields` guesses the same fields from the PDF metadata and the first page's
text, and lets the catalog row override whatever it provides.
"""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path
from typing import Any

from ingest.model import RawDocument
from ingest.quality import detect_language
from ingest.titles import clean_title, sentence_case, title_from_blocks, title_from_headings, title_from_text

log = logging.getLogger(__name__)

CATALOG_NAME = "catalog.csv"
CATALOG_FIELDS = ("title", "short_title", "authors", "publisher", "year", "symbol", "kind")
FIELDS = (*CATALOG_FIELDS, "language")


def _parse_year(value: str) -> int | None:
    m = re.fullmatch(r"\s*((?:1[89]|20)\d{2})\s*", value or "")
    return int(m.group(1)) if m else None


def load_catalog(folder: Path) -> dict[str, dict]:
    """Rows of `folder/catalog.csv` keyed by file name, empty cells left out, year as int.
    A missing catalog gives {}; a bad row or cell is skipped with a logged warning."""
    path = Path(folder) / CATALOG_NAME
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        log.warning('cannot read "%s" (%s); going on without the catalog', path.name, err)
        return {}
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or "file" not in [f.strip() for f in reader.fieldnames]:
        log.warning('"%s" has no "file" column; going on without the catalog (columns: file,%s)',
                    path.name, ",".join(CATALOG_FIELDS))
        return {}
    catalog: dict[str, dict] = {}
    for lineno, row in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "").strip() if isinstance(v, str) else "" for k, v in row.items()}
        name = row.get("file", "")
        if not name:
            log.warning('%s line %d has no file name; row skipped', path.name, lineno)
            continue
        entry: dict[str, Any] = {}
        for key in CATALOG_FIELDS:
            value = row.get(key, "")
            if not value:
                continue
            if key == "year":
                year = _parse_year(value)
                if year is None:
                    log.warning('%s line %d: year "%s" is not a year; cell ignored', path.name, lineno, value)
                    continue
                entry[key] = year
            else:
                entry[key] = value
        if name in catalog:
            log.warning('%s line %d: "%s" is listed twice; the later row wins', path.name, lineno, name)
        catalog[name] = entry
    return catalog


# --- guesses from the file itself --------------------------------------------------------------

_SYMBOL = re.compile(r"(?<![\w/.\-])[A-Z][A-Z0-9\-]{0,9}(?:\.\d+)?(?:\(\d+\)\d*)?"
                     r"(?:/[A-Z0-9][A-Za-z0-9.\-]*(?:\(\d+\)\d*)?){1,7}"
                     r"(?:\s\(\d{4}\)|\s\(Part [IVX]+\))?")
_JOINT_DASH = re.compile(r"(?<=\d)\s*[\u2013\u2014]\s*(?=[A-Z]+/)")  # A/79/924–S/2025/351 -> A/79/924-S/2025/351
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\s+((?:19|20)\d{{2}})\b|"
                   rf"\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+((?:19|20)\d{{2}})\b")
_COPYRIGHT = re.compile(r"(?:\u00a9|Copyright)[^\n]{0,120}?\b((?:19|20)\d{2})\b|\(c\)[^\n]{0,120}?\b((?:19|20)\d{2})[ \t]*$",
                        re.MULTILINE)  # "(c)" only when the year ends its line: "(c) by 2030 halve ..." is a list item
_PUBLISHERS = (
    (re.compile(r"\bOECD\b|Organisation for Economic Co-operation and Development"), "OECD"),
    (re.compile(r"\bUNCTAD\b|United Nations Conference on Trade and Development|Trade and Development Board"),
     "UNCTAD"),
    (re.compile(r"\bGeneral Assembly\b"), "United Nations General Assembly"),
    (re.compile(r"\bSecurity Council\b"), "United Nations Security Council"),
    (re.compile(r"\bEconomic and Social Council\b"), "United Nations Economic and Social Council"),
    (re.compile(r"\bWorld Bank\b"), "World Bank"),
    (re.compile(r"\bEuropean (?:Union|Commission|Parliament)\b|Official Journal of the European Union"),
     "European Union"),
    (re.compile(r"\bJoint Inspection Unit\b"), "Joint Inspection Unit"),
    (re.compile(r"\bUnited Nations University\b"), "United Nations University"),
    (re.compile(r"\bUnited Nations\b|\bNations Unies\b"), "United Nations"),
)
_DISTR = re.compile(r"^Distr\b", re.IGNORECASE)
_NOT_BODY = re.compile(r"^(?:United Nations|UNITED NATIONS|UNITED|NATIONS|Nations Unies|Naciones Unidas|[A-Z]{1,3}|"
                       r"(?:GE\.)?\d{2}-\d{5}\b.*|\*\d+\*|\d+|English only|Original:.*|[\d\s/().,*\-]*)$")
_BODY_NAME = re.compile(r"\b(?:Committee|Board|Council|Assembly|Conference|Commission|Inspection Unit|Subsidiary Body|"
                        r"University|Meeting of (?:the )?States Parties|Secretariat)\b")
_ORGANS = ("General Assembly", "Security Council", "Economic and Social Council", "Secretariat", "Trusteeship Council")
_PRINCIPAL = re.compile(rf"^({'|'.join(_ORGANS)})\b", re.IGNORECASE)
_UN_SERIES = re.compile(r"^(?:A|S|E|ST|TD|DP|UNW|JIU|CEB|CCPR|CEDAW|CERD|CRC|CAT|CRPD|CMW|HRI|ICCD|FCCC|TPNW|GEGN|UNEP|"
                        r"UNDP|ECE|ESCAP|ECLAC|ECA|ESCWA|ITC|UNITAR|UNU)[/.]")  # the UN's document series
_SYMBOL_PUBLISHERS = (("JIU/", "Joint Inspection Unit"), ("A/", "United Nations General Assembly"),
                      ("S/", "United Nations Security Council"), ("E/", "United Nations Economic and Social Council"))
_KINDS = (
    (r"\bReport of the Secretary-General\b", "report of the Secretary-General"),
    (r"\bNote by the (?:Secretary-General|secretariat|Secretariat)\b", "note"),
    (r"\bIssues? paper\b", "issues paper"),
    (r"\bDraft (?:resolution|decision)\b", "draft resolution"),
    (r"^Resolution \d+ \(\d{4}\)", "resolution"),
    (r"\bLetter dated\b", "letter"),
    (r"\bWorking paper\b", "working paper"),
    (r"\bProvisional agenda\b", "provisional agenda"),
    (r"\b(?:Annual )?[Rr]eport\b", "report"),
)
_BAD_PDF_TITLE = re.compile(r"^(?:Microsoft \w+ - |untitled|document\d*$|title$)|\.(?:docx?|pdf|rtf|odt|indd)$",
                            re.IGNORECASE)


def find_symbol(text: str, file_name: str = "") -> str | None:
    """The document's own UN symbol: the one the file name spells (A/79/730 <-> A_79_730.pdf),
    else the first symbol in the text (headers come first)."""
    found = []
    for m in _SYMBOL.finditer(_JOINT_DASH.sub("-", text)):
        sym = m.group(0).rstrip(".-")
        if sym.count("/") >= 1 and any(ch.isdigit() for ch in sym) and not sym.startswith(("HTTP", "WWW")):
            found.append(sym)
    stem = re.sub(r"[^A-Za-z0-9.]+", "_", Path(file_name).name).upper()

    def spells(sym: str) -> bool:  # the file name spells the symbol, or the first part of a joint one
        first = re.split(r"-(?=[A-Z]+/)", sym)[0]
        return any(stem.startswith((_file_key(s) + "_", _file_key(s) + ".")) for s in {sym, first})

    spelled = [sym for sym in found if spells(sym)]
    if spelled:
        return max(spelled, key=len)
    return found[0] if found else None


def _file_key(symbol: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "_", symbol).upper()


def find_year(text: str, symbol: str | None, creation_date: str | None) -> int | None:
    """The year of the first date written on the first page, else a year in the symbol,
    else the PDF's creation year."""
    head = text.splitlines()[:30]
    m = next((d for d in (_DATE.fullmatch(line.strip()) for line in head) if d), None) or _DATE.search(text)
    if m:
        return int(m.group(1) or m.group(2))
    if symbol:
        m = re.search(r"(?:^|/)((?:19|20)\d{2})(?:/|$|\))", symbol) or re.search(r"\(((?:19|20)\d{2})\)", symbol)
        if m:
            return int(m.group(1))
    m = _COPYRIGHT.search(text[:5000])  # "Selection and editorial matter (c) A and B 2007"
    if m:
        return int(m.group(1) or m.group(2))
    return _parse_year((creation_date or "")[:4])


def masthead_body(text: str, symbol: str | None = None) -> str | None:
    """The issuing body a UN masthead names: the lines above "Distr." less "United Nations", the
    symbol, the job number and the barcode ("Executive Board of the United Nations Development
    Programme, ..."); without a "Distr." line, the first line of the header that names a body
    ("Human Rights Committee"), for a document with a symbol only. A principal organ gets "United Nations" in front; of a joint
    masthead ("General Assembly / Security Council") the first organ."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:25]
    distr = next((i for i, line in enumerate(lines) if _DISTR.match(line)), None)
    if distr is not None:
        kept = [b for b in (_SYMBOL.sub(" ", line).strip(" *\u2013-") for line in lines[:distr])
                if b and not _NOT_BODY.match(b)]
        body = _organ(" ".join(kept))
        if body:
            return body
    return _organ(_body_line(lines)) if symbol and _UN_SERIES.match(symbol) else None


def _organ(body: str) -> str | None:
    body = " ".join(body.split())
    if not body or len(body.split()) > 25:
        return None
    organ = _PRINCIPAL.match(body)
    if organ:  # "GENERAL ASSEMBLY" -> "United Nations General Assembly"
        return "United Nations " + next(o for o in _ORGANS if o.lower() == organ.group(1).lower())
    return body


def _body_line(lines: list[str]) -> str:
    """The first header line naming a body, with the lines its name wraps onto."""
    kept = [line for line in lines[:12] if not _NOT_BODY.match(_SYMBOL.sub(" ", line).strip(" *"))]
    start = next((i for i, line in enumerate(kept) if _BODY_NAME.search(line) and len(line.split()) <= 12
                  and not line.endswith(".") and not any(c.isdigit() for c in line)), None)
    if start is None:
        return ""
    picked = [kept[start]]
    while start + len(picked) < len(kept) and (re.search(r"\b(?:of|the|to|for|and)$", picked[-1])
                                               or kept[start + len(picked)][:1].islower()):
        picked.append(kept[start + len(picked)])
    return re.sub(r"^(?:\w+ )?(?:[Rr]eport|[Nn]ote) (?:of|by) the ", "", " ".join(picked))


def guess_publisher(text: str, symbol: str | None) -> str | None:
    """The issuing body: UNCTAD for its symbols, else the body the masthead names, else the
    symbol's series, else names in the first page's header."""
    if symbol and symbol.startswith("TD/"):  # before the masthead, which names the Trade and Development Board
        return "UNCTAD"
    body = masthead_body(text, symbol)
    if body:
        return body
    for prefix, publisher in _SYMBOL_PUBLISHERS:
        if symbol and symbol.startswith(prefix):
            return publisher
    head = text[:1500]
    for pattern, publisher in _PUBLISHERS:
        if pattern.search(head):
            return publisher
    return None


def guess_kind(text: str) -> str | None:
    head = text[:2000]
    for pattern, kind in _KINDS:
        if re.search(pattern, head, re.MULTILINE):
            return kind
    return None


def meaningful_pdf_title(title: str | None, file_name: str = "") -> bool:
    """A PDF title worth showing: not empty, not 'Microsoft Word - x.docx', not the file name
    or a bare symbol."""
    if not title or len(re.findall(r"[^\W\d_]{2,}", title)) < 2:
        return False
    t = title.strip()
    if _BAD_PDF_TITLE.search(t) or t == Path(file_name).stem or t == Path(file_name).name:
        return False
    return not _SYMBOL.fullmatch(t)


_NAME = (r"[A-Z\u00c0-\u00de][\w'\u2019.-]*(?:[ \t]+(?:[A-Z\u00c0-\u00de][\w'\u2019.-]*|de|la|le|du|del|della|dos|"
         r"van|von|der|da|bin|ibn)){1,4}")
_INSTITUTION_NAME = re.compile(r"\b(?:School|University|Institute|Bank|Centre|Center|College|Department|Ministry|"
                               r"Office|Programme|Foundation)\b")
_NAMES = rf"({_NAME}(?:(?:,[ \t]*(?:and[ \t]+)?|[ \t]+and[ \t]+){_NAME})*)"  # on one line
_BYLINES = (re.compile(rf"(?:^|\b(?:was|were|been|is)\s+)[Pp]repared by:?\s+{_NAMES}", re.MULTILINE),
            re.compile(rf"^Inspectors?:?\s+{_NAMES}", re.MULTILINE),
            re.compile(rf"^(?:Prof\.|Professor|Dr\.?)\s+{_NAMES}", re.MULTILINE))


def _authors(text: str, symbol: str | None, pdf_author: str | None) -> str | None:
    for byline in _BYLINES:
        m = byline.search(text[:4000])
        if m:  # "Eileen A. Cronin and Conrod Hunte" -> "Eileen A. Cronin; Conrod Hunte" (byline order)
            names = re.split(r",\s*(?:and\s+)?|\s+and\s+", m.group(1).strip().rstrip("."))
            names = [n.strip() for n in names if n.strip() and not _INSTITUTION_NAME.search(n)]  # "..., Harvard Business School"
            return "; ".join(names) or None
    if re.search(r"\bReport of the Secretary-General\b", text[:2000]):
        return "Secretary-General"
    if symbol:
        return None  # in UN files the PDF author is whoever typed the document
    return pdf_author or None


_EU_ACT = re.compile(r"\b(REGULATION|DIRECTIVE|DECISION)\s+\((EU|EC|EEC|Euratom)\)\s+(No\s+)?(\d{2,4}/\d{1,4})"
                     r"\s+OF\s+THE\s+([A-Z][A-Z ,\n]+?)\s+of\s+(\d{1,2}\s+\w+\s+((?:19|20)\d{2}))\s+(.{10,600}?)"
                     r"\s*(?:\(Text with EEA relevance\)|\n?THE [A-Z][A-Z ]+,|$)", re.DOTALL)
_OTHER_ACT = re.compile(r"\b(?:COMMISSION|COUNCIL)\b[A-Z ]*\b(?:REGULATION|DIRECTIVE|DECISION)\b")
EU_HEADING_CHARS = 300  # an act's own heading opens its first page; one cited further down is not its identity
_SMALL_WORDS = {"of", "the", "and", "for", "on", "in", "to"}


def eu_act(text: str) -> dict | None:
    """Symbol, title, kind and year of an EU act from its first page ("REGULATION (EU) 2016/679 OF
    THE EUROPEAN PARLIAMENT AND OF THE COUNCIL of 27 April 2016 on ..."), None for other texts."""
    m = _EU_ACT.search(text[:4000])
    if not m or m.start() > EU_HEADING_CHARS or _OTHER_ACT.search(text[:m.start()]):
        return None  # not this document's own heading (a footnote, or an act another act cites)
    kind, ns, no, number, issuer, date, year, subject = m.groups()
    issuer = " ".join(w.lower() if w.lower() in _SMALL_WORDS else w.capitalize() for w in issuer.split())
    symbol = f"{kind.capitalize()} ({ns}) {'No ' if no else ''}{number}"  # "Regulation (EC) No 1907/2006"
    title = " ".join(f"{symbol} of the {issuer} of {date} {subject}".split())
    return {"symbol": symbol, "title": title, "kind": kind.lower(), "year": int(year), "publisher": "European Union"}


def document_fields(raw: RawDocument, file_name: str, catalog_row: dict | None) -> dict:
    """Document fields {title, short_title, authors, publisher, year, symbol, kind, language}:
    guessed from the PDF metadata and the first page's text, then overridden by the catalog row
    wherever it has a value."""
    meta = raw.meta or {}
    text = meta.get("first_text") or ""
    symbol = find_symbol(text, file_name)
    title = meta.get("title") if meaningful_pdf_title(meta.get("title"), file_name) else None
    if not title:
        headings = [line.text for line in raw.lines[:60] if line.heading_level > 0]
        first_page = [(line.text, line.blank_before) for line in raw.lines[:80] if line.page in (None, 1)]
        title = title_from_headings(headings) or title_from_blocks(first_page) or title_from_text(text)
    if title:
        title = sentence_case(clean_title(title), "\n".join(line.text for line in raw.lines[:400]))
    fields: dict[str, Any] = {
        "title": title,
        "short_title": None,
        "authors": _authors(text, symbol, meta.get("author")),
        "publisher": guess_publisher(text, symbol),
        "year": find_year(text, symbol, meta.get("creation_date")),
        "symbol": symbol,
        "kind": guess_kind(text),
        "language": meta.get("language") or detect_language(text),
    }
    act = eu_act(text) if not symbol else None
    if act:  # an EU act is cited by its own number: "Regulation (EU) 2016/679"
        fields.update({k: v for k, v in act.items() if k != "publisher" or not fields["publisher"]})
    for key, value in (catalog_row or {}).items():
        if key not in FIELDS or value is None or (isinstance(value, str) and not value.strip()):
            continue
        fields[key] = _parse_year(str(value)) if key == "year" else value
    return fields
