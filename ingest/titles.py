"""A document's title from the text of its first page (when the PDF metadata has none).

UN documents open with a header (organ, symbol, "Distr.: General", date, "Original:", job
number, barcode, session, agenda item and its title) and then the document's own title: a
"Letter dated ...", "Report of the ... on ...", or a subject line followed by a generic
"Report of the Secretary-General". Other papers start with their title. Pure functions.
"""

from __future__ import annotations

import re

_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DATE_LINE = re.compile(rf"^\d{{1,2}}\s+(?:{_MONTHS})\s+(?:19|20)\d{{2}}$")
_SYMBOL = re.compile(r"(?<![\w/.\-])[A-Z][A-Z0-9\-]{0,9}(?:\.\d+)?(?:/[A-Z0-9][A-Za-z0-9.\-]*){1,7}[*\s]*")
_HEADER_MARK = re.compile(r"^(?:Distr\b.*|DISTR\b.*|Original:.*|ORIGINAL:.*|English only|.*(?<![\d-])\d{2}-\d{5}(?![\d-]).*|\*\d{5,}\*.*)$")
_SKIP = re.compile(
    r"^(?:United Nations(?: System)?|Nations Unies|Naciones Unidas|General Assembly|Security Council|"
    r"Economic and Social Council|Secretariat|General|GENERAL|Limited|Restricted|English|ENGLISH|UNITED|NATIONS|"
    r"UNITED NATIONS|GENERAL ASSEMBLY|SECURITY COUNCIL|ECONOMIC AND SOCIAL COUNCIL|Original\s*:.*|ORIGINAL\s*:.*|"
    rf"\[.*\]|[Pp]age \d+|.{{0,30}}\b(?:{_MONTHS})\b.{{0,12}}\b(?:19|20)\d{{2}}\b.{{0,15}}|(?:Annual|Regular) [Ss]ession.*|"
    r"Official Records|Supplement No\..*|[A-Z][a-z\-]+ (?:regular |annual |special )?(?:session|year)\b.{0,40}|(?:Provisional )?[Aa]genda items?\b.*|"
    r"Items? \d+.*\bagenda\b.*|\d{4} session|.*\d{4}\s*[–-]\s*\d{1,2} \w+ \d{4}|Please recycle.*|ISSN.*|"
    r"[\d\s/().,*\-–]+)$")
_DOCTYPE = re.compile(
    r"^(?:Report of|Report on|Progress report|Note by|Letter dated|Identical letters dated|Annual report|Draft (?:resolution|decision|report)|"
    r"Resolution \d+|Information circular|(?:Annotated )?[Pp]rovisional agenda|Summary record|Statement by|"
    r"Working paper|Views adopted|Decision adopted)")
_GENERIC = re.compile(r"^(?:(?:Progress |Annual )?(?:[Rr]eport|Note) (?:of|by) the (?:Secretary-General|[Ss]ecretariat|"
                      r"Executive Director|Administrator|Director-General|Joint Inspection Unit|Co-Chairs|Chair)"
                      r"(?: of [A-Z]+)?|Report (?:on|of) (?:the|its) [\w\- ]*session(?: \d{4})?)\*?$")
_BODY = re.compile(r"^(?:Summary|Abstract|Contents|Introduction|Executive summary|Foreword|Preface|[IVX]+\.\s|"
                   r"\d{1,3}\.\s|\([a-z]\)\s|I (?:have|am)\b|Amend\b|To:|From:)")
_FUNCTION_END = re.compile(r"\b(?:of|the|and|to|on|in|for|from|at|its|by|with|a|an)$|[,–-]$")
MAX_TITLE_CHARS = 300
WRAP_CHARS = 55  # a title line this long probably wraps onto the next


def _continues(line: str, nxt: str) -> bool:
    """`nxt` carries on the title line `line` (a wrapped title)."""
    if _BODY.match(nxt) or nxt.startswith(("(", "*")) or _SKIP.match(nxt):
        return False
    if "addressed to" in line and not _FUNCTION_END.search(line):
        return False
    wrapped = len(line) >= WRAP_CHARS and not line.endswith((".", ":"))
    return nxt[:1].islower() or wrapped or bool(_FUNCTION_END.search(line))


def _wrapped(lines: list[str], start: int, max_lines: int) -> str:
    picked = [lines[start]]
    while len(picked) < max_lines and start + len(picked) < len(lines) and _continues(picked[-1],
                                                                                      lines[start + len(picked)]):
        picked.append(lines[start + len(picked)])
    return " ".join(picked)


def _candidates(text: str) -> list[str]:
    """First-page lines after the header and before the body, boilerplate removed."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:60]
    first_type = next((i for i, line in enumerate(lines[:25]) if _DOCTYPE.match(line)), 25)
    marks = [i for i, line in enumerate(lines[:first_type]) if _HEADER_MARK.match(line) or _DATE_LINE.match(line)]
    start = marks[-1] + 1 if marks else 0
    out: list[str] = []
    for line in lines[start:]:
        if _BODY.match(line):
            if out:
                break
            continue
        bare = _SYMBOL.sub(" ", line).strip(" *")
        if not bare or _SKIP.match(bare) or _DATE_LINE.match(bare) or _HEADER_MARK.match(bare):
            continue
        out.append(line.rstrip("*").strip())
    return out


def _subject(lines: list[str]) -> str | None:
    """The subject lines before a generic "Report of the Secretary-General": agenda headings
    ("Programme questions:") and agenda titles that the title repeats are left out."""
    block: list[str] = []
    sub_item: str | None = None
    for line in lines:
        if line.endswith(":"):
            block, sub_item = [], None
            continue
        if sub_item is None and not block and any(prev.endswith(":") for prev in lines):
            sub_item = line  # the agenda item's own title, right under its heading
            continue
        block.append(line)
    if not block and sub_item:
        block = [sub_item]
    block = [line for i, line in enumerate(block) if not any(b.startswith(line) for b in block[i + 1:])]
    return " ".join(block[-4:]) if block else None


def title_from_text(text: str, max_lines: int = 5) -> str | None:
    """The document's title from its first page's text, None when nothing looks like one."""
    subject = re.search(r"^Subject:\s*(.+)$", text[:3000], re.MULTILINE)
    lines = _candidates(text)
    if not lines:
        return None
    title = subject.group(1) if subject else None
    if title is None:
        for i, line in enumerate(lines):
            if not _DOCTYPE.match(line):
                continue
            if _GENERIC.match(line) and not (i + 1 < len(lines) and lines[i + 1][:1].islower()):
                subject = _subject(lines[:i])
                title = f"{subject}: {line}" if subject else line
            else:
                title = _wrapped(lines, i, max_lines)
            break
    if title is None:
        title = _wrapped(lines, 0, max_lines)
    title = re.sub(r"\s+", " ", title).strip(" :;,*")
    return title[:MAX_TITLE_CHARS] or None


_ORG = re.compile(r"^(?:United Nations(?: Conference on Trade and Development)?|UNITED NATIONS(?: CONFERENCE ON TRADE AND "
                  r"DEVELOPMENT)?|UNCTAD|OECD|Organisation for Economic Co-operation and Development|World Bank|"
                  r"European (?:Commission|Union|Parliament)|International Labour (?:Office|Organization))$", re.IGNORECASE)
_SECTION = re.compile(r"^(?:(?:Executive )?summary|(?:table of )?contents|foreword|preface|introduction|abstract|"
                      r"acknowledge?ments|annex.*|note|key messages|overview)$", re.IGNORECASE)


def title_from_headings(headings: list[str]) -> str | None:
    """The first heading that names the document: not an organisation's name, not a standard
    section ("Executive summary", "Contents"), and at least three words long."""
    for heading in headings:
        h = heading.strip(" *#:")
        if _ORG.match(h) or _SECTION.match(h) or _SKIP.match(h) or len(h.split()) < 3:
            continue
        return h[:MAX_TITLE_CHARS]
    return None


_AGENDA = re.compile(r"^(?:[Ii]tems? [\w(). ,]+? of the (?:provisional |annotated |preliminary )?(?:agenda|list)|"
                     r"[Aa]genda items? \d)")
_ORGAN_BLOCK = re.compile(r"^(?:United Nations |Special |Standing |Ad Hoc |Executive )?[A-Z][\w\u2019' ,()-]*?"
                          r"\b(?:Committee|Board|Council|Commission|Fund|University|Body)\b[\w\u2019' ,()-]*$")
_SUBMITTED = re.compile(r"^(?:Draft (?:resolution|decision)s?|Working paper|Revised draft \w+)\b.*\b(?:submitted|presented) by\b")
_GENERIC_LINE = re.compile(r"^(?:(?:Progress |Annual )?(?:[Rr]eport|[Nn]ote) (?:of|by) the [\w\- ]{0,60}?"
                           r"(?:Secretary-General|[Ss]ecretariat|Executive Director|Administrator|Director-General|"
                           r"High Commissioner[\w ]*|Co-Chairs|Chair|Joint Inspection Unit)(?: of [A-Z]+)?|"
                           r"Note by the [\w ]{0,40}secretariat)\**$", re.IGNORECASE)
_FOOTNOTE_YEAR = re.compile(rf"(\b(?:{_MONTHS}|[Ss]ession)\s+(?:19|20)\d{{2}})\s?\d{{1,2}}$")  # "February 20251"


def clean_title(title: str) -> str:
    """One line, no footnote mark glued to a closing year ("February 20251"), no trailing marks."""
    title = re.sub(r"\s+", " ", title).strip(" :;,*")
    return _FOOTNOTE_YEAR.sub(r"\1", title)


def title_from_blocks(lines: list[tuple[str, bool]]) -> str | None:
    """A UN document's title from the first page's blocks (runs of lines between paragraph
    breaks; `lines` are (text, blank_before)), read after the session block that names the agenda
    item ("Item 8 of the provisional agenda"): the first block that names a kind of document
    ("Letter dated ...", "Report on ..."); else the block after "Draft resolution submitted by
    ..."; else the block before a generic "Note by the Secretariat"; else the first block. Without
    an agenda line the blocks after the last header mark ("Original: English") are read; None
    when the page has neither."""
    blocks: list[list[str]] = []
    for text, blank in lines[:80]:
        if blank or not blocks:
            blocks.append([])
        blocks[-1].append(text.strip())
    agenda = [i for i, b in enumerate(blocks[:15]) if any(_AGENDA.match(line) for line in b)]
    header = [i for i, b in enumerate(blocks[:8]) if any(_HEADER_MARK.match(line) for line in b)]
    if not agenda and not header:
        return None
    start = agenda[0] if agenda else header[-1]
    following = blocks[start + 1: start + 12]
    if agenda:  # lines after the agenda item in its own block (a text layer without breaks there)
        own = blocks[start]
        at = max(i for i, line in enumerate(own) if _AGENDA.match(line))
        rest = _logical_lines(own[at + 1:])
        before = next((i for i, t in enumerate(rest) if _GENERIC_LINE.match(t) or _is_body(t)), len(rest))
        if before > 1 or (before == len(rest) and rest):  # the agenda item's own title goes first
            rest = rest[1:]
        following = [[line] for line in rest] + following
    seq: list[str] = []
    for block in following:
        kept, ended = [], False
        for line in block:
            if _is_body(line):
                ended = True
                break
            if (_GENERIC_LINE.match(line) or _DOCTYPE.match(line)) and kept:  # a new element starts here
                seq.append(" ".join(kept))
                kept = []
            kept.append(line)
        text = " ".join(x for x in kept if x)
        if text and not _HEADER_MARK.match(text) and not _SKIP.match(_SYMBOL.sub(" ", text).strip(" *")):
            seq.append(text)
        if ended or len(text) > MAX_TITLE_CHARS:
            break  # the body has begun
    seq = [t for t in seq if t and not _HEADER_MARK.match(t) and not _SKIP.match(_SYMBOL.sub(" ", t).strip(" *"))]
    if not seq:
        return None
    kinds = [i for i, t in enumerate(seq) if _DOCTYPE.match(t) and not _GENERIC_LINE.match(t) and not _SUBMITTED.match(t)]
    submitted = [i for i, t in enumerate(seq) if _SUBMITTED.match(t)]
    generic = [i for i, t in enumerate(seq) if _GENERIC_LINE.match(t)]
    if kinds:
        pick = kinds[0]
    elif submitted and submitted[0] + 1 < len(seq):
        pick = submitted[0] + 1
    elif generic and generic[0] > 0:
        pick = generic[0] - 1
    else:
        pick = next((i for i, t in enumerate(seq) if not _ORGAN_BLOCK.match(t)), 0)
    if len(seq[pick]) > MAX_TITLE_CHARS:
        return None
    return clean_title(seq[pick]) or None


_SUBJECT_SUMMARY = re.compile(r"^Summary\s+(?:on|of)\s")  # "Summary on progress in ...": a title


def _is_body(line: str) -> bool:
    return bool(_BODY.match(line)) and not _SUBJECT_SUMMARY.match(line)


def _all_caps(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) > 3 and not any(c.islower() for c in letters if c not in "s")  # "1990s"


def _logical_lines(lines: list[str]) -> list[str]:
    """Lines with their wrapped continuations joined (a title printed over three lines is one)."""
    out: list[str] = []
    last = ""
    for line in lines:
        starts = _is_body(line) or _GENERIC_LINE.match(line) or _DOCTYPE.match(line)
        capitals = _all_caps(last) and _all_caps(line)  # a title set in capitals wraps in capitals
        if out and (capitals or _continues(last, line)) and not starts:
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        last = line
    return out


def sentence_case(title: str, body: str) -> str:
    """An ALL-CAPS title in the case a citation uses: the first word capitalised, acronyms the
    body writes in capitals kept ("SME", "OECD"), words the body capitalises mid-sentence kept
    capitalised ("Italy"), the rest in lower case. Other titles come back as they are."""
    letters = [c for w in title.split() if not any(d.isdigit() for d in w) for c in w if c.isalpha()]  # "1990s"
    if not letters or any(c.islower() for c in letters):
        return title
    words = re.findall(r"[^\W\d_]+", body)
    mixed = [w for line in body.splitlines() if sum(c.islower() for c in line) > sum(c.isupper() for c in line)
             for w in re.findall(r"[^\W\d_]+", line)]  # lines of running text, not of capitals
    upper = {w for w in mixed if len(w) > 1 and w.isupper()}
    plurals = {w[:-1] for w in mixed if re.fullmatch(r"[A-Z]{2,}s", w)}  # "SMEs" in the text: "SMES" -> "SMEs"
    lower = {}
    for i, w in enumerate(words):
        key = w.lower()
        if w[:1].isupper() and i and w[1:].islower():
            lower.setdefault(key, [0, 0])[0] += 1
        elif w.islower():
            lower.setdefault(key, [0, 0])[1] += 1
    out, first = [], True
    for part in re.split(r"([^\W\d_]+)", title):
        if not part or not part[0].isalpha():
            out.append(part)
            continue
        if part in upper:
            word = part
        elif part.endswith("S") and part[:-1] in plurals:
            word = part[:-1] + "s"
        elif first or lower.get(part.lower(), [0, 0])[0] > lower.get(part.lower(), [0, 0])[1]:
            word = part.capitalize()
        else:
            word = part.lower()
        out.append(word)
        first = False
    return "".join(out)
