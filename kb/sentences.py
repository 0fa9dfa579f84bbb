"""Sentences and words: splitting passage text into sentences (as exact spans, so a chosen
sentence is always a substring of the passage) and the word features used to score them.

Pure functions only; no model, no store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Abbreviations after which a full stop does not end a sentence.
_ABBREV = {
    "e.g", "i.e", "etc", "cf", "vs", "viz", "al", "mr", "mrs", "ms", "dr", "prof", "no", "nos", "para", "paras",
    "p", "pp", "vol", "ch", "chap", "fig", "sect", "art", "inc", "ltd", "co", "corp", "jr", "sr", "st", "op",
    "cit", "ibid", "approx", "eds", "ed", "rev", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
    "oct", "nov", "dec", "u.s", "u.k", "u.n",
}

_STOP_TEXT = """
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing done down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most my
myself no nor not of off on once only or other our ours ourselves out over own same she should so some
such than that the their theirs them themselves then there these they this those through to too under
until up very was we were what when where which while who whom why will with would you your yours
yourself yourselves may might must shall upon via per within without among across toward towards whether
according paper papers report reports note document documents author authors say says said tell give
gives given need quote quotation passage sentence citation citable quotable ready slide
true really roughly much many one ways kind use used using make makes made get
"""
STOPWORDS = frozenset(_STOP_TEXT.split())

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+|$)")


@dataclass(frozen=True)
class Span:
    """A sentence as a [start, end) range of its passage text."""

    start: int
    end: int

    def of(self, text: str) -> str:
        return text[self.start:self.end]


def split_sentences(text: str, min_chars: int = 20) -> list[Span]:
    """Sentence spans of `text`, stripped of surrounding white space. A full stop after a known
    abbreviation, an initial, or inside a number does not end a sentence; pieces shorter than
    `min_chars` (a lone paragraph number, "(a)") join the next sentence."""
    spans: list[Span] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        if _is_false_end(text, m.start(), end):
            continue
        spans.append(Span(start, end))
        start = end
    if start < len(text):
        spans.append(Span(start, len(text)))
    out: list[Span] = []
    pending: int | None = None
    for s in spans:
        s = _strip(text, s)
        if s is None:
            continue
        if pending is not None:
            s = Span(pending, s.end)
            pending = None
        if len(text[s.start:s.end]) < min_chars:
            pending = s.start
            continue
        out.append(s)
    if pending is not None:
        if out:
            out[-1] = Span(out[-1].start, len(text.rstrip()))
        else:
            tail = _strip(text, Span(pending, len(text)))
            if tail is not None:
                out.append(tail)
    return out


def _strip(text: str, span: Span) -> Span | None:
    chunk = text[span.start:span.end]
    lead = len(chunk) - len(chunk.lstrip())
    trail = len(chunk) - len(chunk.rstrip())
    if lead == len(chunk):
        return None
    return Span(span.start + lead, span.end - trail)


def _is_false_end(text: str, dot: int, end: int) -> bool:
    """True when the punctuation at `dot` does not end a sentence."""
    if text[dot] != ".":
        return False
    before = re.search(r"([\w.]+)$", text[:dot])
    word = before.group(1).lower() if before else ""
    if word.rstrip(".") in _ABBREV:
        return True
    if len(word) == 1 and word.isalpha():  # an initial such as "J." or a list letter "a."
        return True
    if word.isdigit() and dot < 12 and text[:dot].strip() == word:  # a leading paragraph number "18."
        return True
    nxt = text[end:].lstrip()
    return nxt[:1].islower()  # a lower-case start continues the sentence


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.lower().replace("’", "'").removesuffix("'s") for w in _WORD.findall(text)]


def stem(word: str) -> str:
    """A light suffix stripper, enough to match 'clusters' with 'cluster' and 'upgrading' with
    'upgrade'; not a linguistic stemmer."""
    w = word.lower()
    w = w.removesuffix("'s")
    for suffix in ("ational", "ization", "isation", "ations", "ation", "ments", "ment", "ness", "ities", "ity",
                   "ings", "ing", "ies", "ied", "ers", "er", "ed", "es", "ly", "s"):
        if len(w) - len(suffix) >= 4 and w.endswith(suffix):
            w = w[: -len(suffix)]
            if suffix in ("ies", "ied", "ities", "ity"):
                w += "i"
            break
    if len(w) > 4 and w.endswith("y"):
        w = w[:-1] + "i"
    return w.rstrip("e") if len(w) > 4 else w


_ASK = r"(?:quote|quotation|passage|sentence|citation|line|extract)s?\b(?![-\w])"
_FOR = r"(?:\s+(?:for|to use in)\s+(?:an?|my|our)\s+[\w\s-]*?(?:slide|presentation|talk|deck|handout|lecture)s?\b)?"
_ABOUT = r"[\s,:;-]*(?:on|about|showing|that shows|saying|arguing that|explaining|that)?\s*"
_FRAMES = (
    r"^(?:i\s+)?(?:need|want|would like|am looking for|looking for)\s+(?:a|an|some)\s+[\w\s'-]*?" + _ASK + _FOR + _ABOUT,
    r"^(?:please\s+)?(?:give|find|show)\s+me\s+(?:a|an|some)\s+[\w\s'-]*?" + _ASK + _FOR + _ABOUT,
    r"^for\s+(?:an?|my|our)\s+[\w\s-]{3,80}?,\s*(?=(?:i|please|give|find|show|quote|what|how|why)\b)",
    r"^(?:please\s+)?(?:check|verify|confirm)(?:\s+(?:this|that|whether|if))?\s*[:,-]\s*",
    r"^(?:please\s+)?(?:check|verify|confirm)\s+(?:whether|if|that)\s+",
    (r"^(?:please\s+)?(?:give|find|show)\s+me\s+[\w\s'’-]*?(?:exact\s+)?(?:wording|words|language)\s+"
    r"(?:on|about|of|for)\s+"),
    r"^(?:please\s+)?quote\s+",
    r"^(?:is\s+it\s+(?:true|correct|right|the case)|is\s+this\s+(?:true|correct))\s*(?:that\s+)?",
    (r"^(?:do(?:es)?|did)\s+(?:the|this|that)\s+(?:paper|report|note|chapter|briefing|document|study|authors?)"
     r"\s+(?:really\s+)?(?:claim|say|state|argue|recommend|suggest|find|show|identify|hold)s?\s+(?:that\s+)?"),
)


def strip_framing(question: str) -> str:
    """The question without request phrasing ("I need a quote for a slide on", "Is it true
    that", "Does the report claim that"), so only the topic is matched against passages."""
    q = question.strip()
    changed = True
    while changed:
        changed = False
        for pattern in _FRAMES:
            q2 = re.sub(pattern, "", q, count=1, flags=re.IGNORECASE).strip()
            if q2 != q and len(q2) >= 10:
                q, changed = q2, True
    return q


def content_words(text: str) -> list[str]:
    """Words that carry meaning: not stop words, not one letter; order kept, duplicates removed."""
    seen: dict[str, None] = {}
    for w in words(text):
        if w in STOPWORDS or len(w) < 2 and not w.isdigit():
            continue
        seen.setdefault(w, None)
    return list(seen)


def stems(text: str) -> set[str]:
    return {stem(w) for w in content_words(text)}


def overlap(query_terms: set[str], text: str, weights: dict[str, float] | None = None) -> float:
    """Weighted share of the query's stems present in `text` (0..1)."""
    if not query_terms:
        return 0.0
    have = stems(text)
    w = weights or {}
    total = sum(w.get(t, 1.0) for t in query_terms)
    got = sum(w.get(t, 1.0) for t in query_terms if t in have)
    return got / total if total else 0.0


def numbers(text: str) -> set[str]:
    """Numbers written in the text, normalised ("1,000" -> "1000"); years included."""
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}


_QUANTITY_QUESTION = re.compile(
    r"\bhow (?:many|much|long|large|big|often|high|low)\b|\b(?:share|proportion|percentage|per cent|amount|"
    r"total|budget|cost|costs|spent|spend|paid|sum|number of)\b", re.IGNORECASE)
_QUANTITY = re.compile(
    r"\b(?!(?:1[5-9]|20)\d\d\b)\d[\d,.]*\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty|fifty|sixty|hundred|hundreds|thousand|thousands|million|millions|billion|"
    r"billions|dozen|dozens|half|third|quarter|per cent|percent|double|twice)\b|%", re.IGNORECASE)


def wants_quantity(question: str) -> bool:
    """Whether the question asks for an amount (how many, how much, what share, total budget ...)."""
    return bool(_QUANTITY_QUESTION.search(question))


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


def names(question: str) -> list[str]:
    """Capitalised words after the first word (proper names such as places and programmes)."""
    toks = _WORD.findall(question)
    out = []
    for w in toks[1:]:
        if w[:1].isupper() and not w.isupper():
            w = w.replace("’", "'").removesuffix("'s")
            if w not in out:
                out.append(w)
    return out


def sentence_score(similarity: float, keyword: float, position: int, weight_keyword: float = 0.5) -> float:
    """Combine a dense similarity (cosine), a keyword overlap (0..1) and the sentence's
    position in its passage (0 = first) into one score; earlier sentences get a small edge."""
    return similarity + weight_keyword * keyword - 0.01 * min(position, 5)


# Reference lists are not evidence: a whole "References" section, or a sentence that reads like a
# bibliography entry (a year in brackets followed by a quoted title, or a bulleted author-year line).
_REFERENCE_SECTION = re.compile(r"\b(references|bibliography|works cited|literature cited)\b", re.IGNORECASE)
_BIBLIOGRAPHIC = re.compile(r"\((?:19|20)\d\d[a-z]?\)\s*[,.:]?\s*[\"“‘']|^\s*[•▪-]\s*[A-Z][\w'’-]+,?\s+"
                            r"(?:[A-Z]\.\s*)+.{0,80}\((?:19|20)\d\d|^\s*(?:[•▪-]\s*)?[A-Z][\w'’-]+,\s+"
                            r"(?:[A-Z]\.\s*)+(?:,|and\b|&|\()")


def is_reference(sentence: str, section_path: str = "") -> bool:
    """Whether a sentence is part of a reference list rather than a statement (pure)."""
    return bool(_REFERENCE_SECTION.search(section_path) or _BIBLIOGRAPHIC.search(sentence))

