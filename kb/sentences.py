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


def word_tokens(text: str) -> list[str]:
    """Word tokens as written (case kept)."""
    return _WORD.findall(text)


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


def content_words_in_order(text: str) -> list[str]:
    """Every content word in text order, repeats kept (for neighbourhoods)."""
    return [w for w in words(text) if w not in STOPWORDS and (len(w) >= 2 or w.isdigit())]


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


def sentence_score(similarity: float, keyword: float, position: int, weight_keyword: float = 0.5) -> float:
    """Combine a dense similarity (cosine), a keyword overlap (0..1) and the sentence's
    position in its passage (0 = first) into one score; earlier sentences get a small edge."""
    return similarity + weight_keyword * keyword - 0.01 * min(position, 5)


# What is not evidence. A reference list names sources and never answers; nor do the front and back
# matter of a paper (cover page, contents, preface, endnotes), an editor's query mark or a question.
_REFERENCE_SECTION = re.compile(r"\b(references|reference list|bibliography|works cited|literature cited)\b",
                                re.IGNORECASE)
_MATTER_SECTION = re.compile(r"(?:[ivxlc\d]+[.)]?\s+)?(?:(?:table of )?contents|preface|foreword|"
                             r"acknowledge?ments?|index|abbreviations|acronyms|glossary)", re.IGNORECASE)
_BIBLIOGRAPHIC = re.compile(r"\((?:19|20)\d\d[a-z]?\)\s*[,.:]?\s*[\"“‘']|^\s*[•▪-]\s*[A-Z][\w'’-]+,?\s+"
                            r"(?:[A-Z]\.\s*)+.{0,80}\((?:19|20)\d\d|^\s*(?:[•▪-]\s*)?[A-Z][\w'’-]+,\s+"
                            r"(?:[A-Z]\.\s*)+(?:,|and\b|&|\()")
# "UNCTAD (1998b). Title", "Lima A. and Berg T. (2011) Title": names, then the year, then a title.
_ENTRY_OPEN = re.compile(r"^\s*(?:\d{1,3}\.?\s+)?(?:(?:[A-Z][\w'’-]*\.?,?|and|&|et al\.?|\(?eds?\.?\)?)\s+){1,8}"
                         r"\((?:19|20)\d\d[a-z]?\)\s*(?:[.,:;]|[\"“‘'A-Z])")
_LOCATORS = (r"\bpp?\.\s*\d", r"\bvol\.\s*\d", r"\bno\.\s*\d", r"\b(?:university )?press\b", r"\bjournal\b",
             r"\bpublish(?:ers|ing)\b", r"\b(?:working|discussion|occasional) papers?\b", r"https?://|\bwww\.",
             r"\bdoi\b", r"\bmimeo\b", r"\b[A-Z]{2,}(?:/[\w.]+){2,}", r"\b\d+\s*[–-]\s*\d+\b")
_YEAR = re.compile(r"\b(?:19|20)\d\d[a-z]?\b")
ENTRY_CHARS = 400  # longer than any one reference entry: the year-and-locators rule does not apply


def is_reference(sentence: str, section_path: str = "") -> bool:
    """Whether a sentence is part of a reference list rather than a statement (pure): it sits in a
    references section, or reads like an entry (author and year then a title, or a year with two
    locators such as pages, volume, publisher, journal, web address or document symbol)."""
    if _REFERENCE_SECTION.search(section_path) or _BIBLIOGRAPHIC.search(sentence) or _ENTRY_OPEN.search(sentence):
        return True
    if len(sentence) > ENTRY_CHARS:  # a paragraph that ends on a "Source: ..., https://..." line is not an entry
        return False
    return bool(_YEAR.search(sentence)) and sum(bool(re.search(p, sentence, re.IGNORECASE))
                                                for p in _LOCATORS) >= 2


# A citation as written in a note: "Porter (1990)", "(Enright, 1998)", "Humphrey and Schmitz, 2000".
_CITATION = re.compile(r"\(?\b[A-Z][\w'’-]+(?:\s+et\s+al\.?)?(?:,?\s+(?:and|&)\s+[A-Z][\w'’-]+)*,?\s*\(?"
                       r"(?:19|20)\d\d[a-z]?(?:\s*(?:,|and)\s*(?:19|20)\d\d[a-z]?)*\)?")
_POINTER = re.compile(r"\bsee\s+(?:also\s+)?[A-Z][^.;]{0,60}\(?(?:19|20)\d\d[a-z]?\)?\W*$")  # "For more, see X (1999)."
_NOTE_WORDS = frozenset({"see", "also", "cf", "ibid", "op", "cit", "loc", "for", "details", "detail", "discussion",
                         "further", "et", "al"})


def is_citation_only(sentence: str) -> bool:
    """Whether the sentence only points to sources ("7 See UNCTAD (1998c).", "14. OECD (1998).
    15. Enright (1991)."): once its citations are removed, at most one content word is left (pure)."""
    if not _CITATION.search(sentence):
        return False
    if _POINTER.search(sentence):
        return True
    rest = _CITATION.sub(" ", sentence)
    return len([w for w in content_words(rest) if not w.isdigit() and w not in _NOTE_WORDS]) <= 1


_LEADERS = re.compile(r"(?:\.\s?|…|·|_){4,}\s*(?:\d{1,3}|[ivxlc]{1,5})\s*$", re.MULTILINE)
_TITLE_PAGE = re.compile(r"[a-z)]\s+\d{1,3}\s+(?=[A-Z])")  # "... Development 18 Peter ..." in a contents list
_CONTENTS = re.compile(r"(?m)^\s*(?:[ivxlc]{1,5}\s+)?(?:table of )?contents\s*$|\b[ivxlc]{1,5}\s+Contents\b")
_ENTRY_LINE = re.compile(r"^\S.{2,90}?\D\s+\d{1,3}$")


def is_contents(sentence: str) -> bool:
    """Whether the sentence is a table-of-contents entry (pure): dotted leaders, titles followed by
    page numbers, a "Contents" running head, or lines that each end in a page number."""
    if _LEADERS.search(sentence) or len(_TITLE_PAGE.findall(sentence)) >= 2 or _CONTENTS.search(sentence):
        return True
    lines = [ln.strip() for ln in sentence.splitlines() if ln.strip()]
    return len(lines) >= 2 and sum(bool(_ENTRY_LINE.match(ln)) for ln in lines) >= 0.75 * len(lines)


_COVER = re.compile(
    r"©|\ball rights reserved\b|\bISBN\b|\bISSN\b|\bfirst published\b|\bprinted and bound\b|"
    r"\bcatalog(?:ue)? record\b|\bregistered trademarks?\b|\bwritten permission\b|\bno (?:part|paragraph) of this "
    r"publication\b|\bcriminal prosecution\b|\basserted (?:their|his|her) rights?\b|\bthis (?:book|publication|"
    r"report) (?:is|was) printed\b|\bdistr\.\s*(?:general|limited|restricted)\b|\boriginal\s*:\s*[A-Z]{4,}|"
    r"\bitem \d+ of the (?:provisional )?agenda\b|^\s*edited by\b|^\W*(?:[\w-]+\s+){0,3}(?:by|of) the "
    r"[\w\s-]{2,40}secretariat\W*$", re.IGNORECASE)
_FINAL = re.compile(r"[.!?:;][\"'”’)\]]*\s*$")


def is_cover(sentence: str) -> bool:
    """Whether the sentence is a cover-page or title line rather than prose (pure): imprint and
    copyright notices, document distribution lines, or a line of headline words (mostly capitals,
    or mostly capitalised words and no closing punctuation)."""
    if _COVER.search(sentence):
        return True
    long_words = [w for w in _WORD.findall(sentence) if len(w) >= 4 and not w.isdigit()]
    if len(long_words) < 2:
        return False
    caps = sum(w.isupper() for w in long_words) / len(long_words)
    initial = sum(w[0].isupper() for w in long_words) / len(long_words)
    headline = initial >= 0.7 and not _FINAL.search(sentence) and not re.search(r"\d", sentence)
    return caps >= 0.8 and len(long_words) >= 3 or headline


_EDITORIAL = re.compile(r"^\W*(?:AQ|AU)\s?\d+\b|\bauthor query\b|\b(?:added|changed|deleted|inserted) as per\b|"
                        r"\bplease (?:check|confirm|supply|provide)\b", re.IGNORECASE)


def is_editorial(sentence: str) -> bool:
    """Whether the sentence is an editor's or typesetter's mark ("AQ2", "Chapter title added as per
    the opening page") or too few words to state anything: under three words of letters (pure)."""
    real = [w for w in _WORD.findall(sentence) if w.isalpha() and len(w) >= 2]
    return len(real) < 3 or bool(_EDITORIAL.search(sentence))


def is_question(sentence: str) -> bool:
    """Whether the sentence asks rather than states: it ends in a question mark (pure)."""
    return sentence.rstrip(" \"'”’)]").endswith("?")


def is_boilerplate(sentence: str, section_path: str = "") -> bool:
    """Whether a sentence can never serve as evidence, a quote or an answer (pure): a reference,
    text in a references, contents, preface, foreword or notes section, a note that only cites,
    a contents line, a cover line, an editorial mark or a rhetorical question."""
    if is_reference(sentence, section_path):
        return True
    if any(_MATTER_SECTION.fullmatch(part.strip()) for part in section_path.split(" > ")):
        return True
    return any(test(sentence) for test in (is_citation_only, is_contents, is_cover, is_editorial, is_question))


def evidence_spans(text: str, section_path: str = "") -> list[tuple[int, Span]]:
    """The sentences of a passage that may serve as evidence, with their position in it (pure). When
    two or more reference entries or citing notes make up half of the passage's sentences, the
    passage is a reference or endnote list and none of it counts (a publisher or a place between entries reads like no entry on its own)."""
    spans = split_sentences(text)
    refs = sum(is_reference(s.of(text)) or is_citation_only(s.of(text)) for s in spans)
    if refs >= 2 and refs * 2 >= len(spans):
        return []
    return [(pos, s) for pos, s in enumerate(spans) if not is_boilerplate(s.of(text), section_path)]
