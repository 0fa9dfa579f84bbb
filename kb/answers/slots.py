"""What a question asks for and whether a sentence supplies it: an amount ("how many"), a date
("when"), a person ("who"), the proper names it mentions (pure functions over text; used by the
evidence gaps and the abstain model)."""

from __future__ import annotations

import re

from kb.sentences import STOPWORDS, word_tokens

_QUANTITY_QUESTION = re.compile(
    r"\bhow (?:many|much|long|large|big|often|high|low)\b|\b(?:share|proportion|percentage|per cent|amount|"
    r"total|budget|cost|costs|spent|spend|paid|sum|number of)\b", re.IGNORECASE)
_QUANTITY = re.compile(
    r"\b(?!(?:1[5-9]|20)\d\d\b)\d[\d,.]*\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|sixty|hundred|hundreds|thousand|thousands|million|millions|billion|"
    r"billions|dozen|dozens|half|third|quarter|per cent|percent|double|twice)\b|%", re.IGNORECASE)


_KIND_QUESTION = re.compile(r"\b(?:what|which)\s+(?:kinds?|types?|sorts?|forms?)\s+of\b", re.IGNORECASE)


def wants_quantity(question: str) -> bool:
    """Whether the question asks for an amount (how many, how much, what share, total budget ...);
    one that asks what kind of thing ("what kind of goods make up a large share") does not."""
    return bool(_QUANTITY_QUESTION.search(question)) and not _KIND_QUESTION.search(question)


_ID_BEFORE = re.compile(r"(?:resolutions?|decisions?|paras?|paragraphs?|annex(?:es)?|articles?|nos?|pages?|pp?|"
                        r"chapters?|sections?|rules?|items?|sessions?|footnotes?|figures?|tables?|boxes|box|/)"
                        r"\.?\s*$", re.IGNORECASE)


def has_quantity(text: str) -> bool:
    """Whether the text states an amount: a number word, a per cent, or a number that is not a
    year, not a paragraph number opening the text, and not an identifier (resolution 2696, para. 12)."""
    for m in _QUANTITY.finditer(text):
        token = m.group(0)
        if not token[:1].isdigit():
            return True
        if _ID_BEFORE.search(text[max(0, m.start() - 14):m.start()]):
            continue
        if not text[:m.start()].strip() and text[m.end():m.end() + 1] in (".", ")"):
            continue  # "67. ..." or "3) ..." opening an enumerated paragraph
        return True
    return False


def quantities(text: str) -> set[str]:
    """The amounts the text states (the tokens has_quantity accepts), normalised ("1,000" -> "1000")."""
    out = set()
    for m in _QUANTITY.finditer(text):
        token = m.group(0).lower().rstrip(".,").replace(",", "")
        if token[:1].isdigit():
            if _ID_BEFORE.search(text[max(0, m.start() - 14):m.start()]):
                continue
            if not text[:m.start()].strip() and text[m.end():m.end() + 1] in (".", ")"):
                continue
        out.add(token)
    return out


_DATE_QUESTION = re.compile(r"\bwhen\b|\b(?:what|which|by what|on what|in what)\s+(?:dates?|years?|months?|days?)\b"
                            r"|\bhow long ago\b|\bsince when\b", re.IGNORECASE)
_PERSON_QUESTION = re.compile(r"^\W*who(?:m|se)?\b|[,;]\s*who\b|\band who\b|\b(?:which|what)\s+(?:\w+\s+)?"
                              r"(?:person|official|minister|governor|president|chair|chairperson|secretary|"
                              r"director|envoy|ambassador|representative|author)\b", re.IGNORECASE)
_MONTH = re.compile(r"\b(?:january|february|march|april|may|june|july|august|september|october|november|"
                    r"december)\b", re.IGNORECASE)
_YEARS = re.compile(r"\b(?:1[5-9]|20)\d\d\b")


def asked_slot(question: str) -> str | None:
    """What kind of answer the question asks for: "amount", "date", "person", or None (pure)."""
    if _PERSON_QUESTION.search(question):
        return "person"
    if _DATE_QUESTION.search(question):
        return "date"
    return "amount" if wants_quantity(question) else None


_DAY_QUESTION = re.compile(r"\b(?:what|which|by what|on what)\s+(?:dates?|days?)\b|\bdate\b", re.IGNORECASE)
_DAY_MONTH = re.compile(r"\b\d{1,2}\s+(?:january|february|march|april|may|june|july|august|september|october|"
                        r"november|december)\b|\b(?:january|february|march|april|may|june|july|august|september|"
                        r"october|november|december)\s+\d{1,2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", re.IGNORECASE)
# a person: a title before a capitalised name ("Ms. Amina Diallo", "Ambassador Kariuki"), or a
# given name and surname that are not an institution's words, written as people are: followed by
# their country in brackets ("Lana Nusseibeh (United Arab Emirates)") or after "by" ("chaired by
# Maria Lopez")
_TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Dr|Sir|Dame|Prof|Professor|H\.\s?E|Ambassador|Minister|Governor|"
                     r"Judge|Justice|Senator|Chancellor|King|Queen|Prince|Princess|Sheikh)\.?\s+[A-Z][\w'’-]+")
_FULL_NAME = re.compile(r"(?:\bby\s+|(?<![\w.]))([A-Z][a-z][\w'’-]*)\s+(?:[A-Z]\.\s+)?([A-Z][a-z][\w'’-]+)"
                        r"(?=\s+\()|\bby\s+([A-Z][a-z][\w'’-]*)\s+(?:[A-Z]\.\s+)?([A-Z][a-z][\w'’-]+)")
_INSTITUTION_WORDS = frozenset(
    ["united", "nations", "republic", "kingdom", "states", "council", "committee", "assembly", "office", "department", "programme", "program", "fund", "bank", "organization", "organisation", "union", "security", "general", "special", "secretary", "secretariat", "commission", "conference", "meeting", "session", "board", "agency", "ministry", "government", "mission", "forces", "force", "court", "group", "party", "parties", "state", "national", "international", "world", "european", "african", "american", "asian", "arab", "federal", "democratic", "people", "peoples", "executive", "high", "level", "review", "treaty", "framework", "development", "economic", "social", "human", "rights", "peace", "peacekeeping", "operations", "affairs", "report", "annex", "resolution", "article", "chapter", "section", "part", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"])


def _persons(text: str) -> set[str]:
    out = {m.group(0).split()[-1].lower() for m in _TITLED.finditer(text)}
    for m in _FULL_NAME.finditer(text):
        a, b = (m.group(1) or m.group(3)).lower(), (m.group(2) or m.group(4)).lower()
        if not {a, b} & (_INSTITUTION_WORDS | STOPWORDS):
            out.add(b)
    return out


def fills_slot(slot: str | None, question: str, text: str) -> bool:
    """Whether `text` supplies something new of the asked kind (pure; True when nothing specific
    is asked): an amount the question does not contain; for "what date / which day" a day and
    month, for "when / what year" a year or month the question does not contain; for "who" a
    person's name (titled, or given name and surname) the question does not contain."""
    if slot is None:
        return True
    if slot == "amount":
        return bool(quantities(text) - quantities(question))
    if slot == "date":
        if _DAY_QUESTION.search(question):
            asked_days = {d.lower() for d in _DAY_MONTH.findall(question)}
            return any(d.lower() not in asked_days for d in _DAY_MONTH.findall(text))
        asked = {m.lower() for m in _MONTH.findall(question)} | set(_YEARS.findall(question))
        given = {m.lower() for m in _MONTH.findall(text)} | set(_YEARS.findall(text))
        return bool(given - asked)
    return bool(_persons(text) - _persons(question) - {w.lower() for w in names(question)})


def names(question: str) -> list[str]:
    """Capitalised words after the first word (proper names such as places and programmes)."""
    toks = word_tokens(question)
    out = []
    for w in toks[1:]:
        if w[:1].isupper() and not w.isupper():
            w = w.replace("’", "'").removesuffix("'s")
            if w not in out:
                out.append(w)
    return out
