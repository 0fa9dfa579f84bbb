"""Blocks -> citable passages that fit the embedding model.

One numbered paragraph is one passage; a block longer than the model's window is split at
sentence boundaries into parts 1, 2, ... of about equal size (a single overlong sentence at
word boundaries); short unnumbered text blocks of one section are merged; footnotes are merged
per page or run; headings live on in the section paths. Deterministic: the same blocks give the
same passages and ids.

The splitter is written here rather than taken from langchain-text-splitters: its recursive
splitter fills chunks greedily (leaving a short last part) and knows nothing of abbreviations
such as "e.g." or "et al.", while a paragraph split here should give balanced, whole sentences.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ingest.model import Block, pages_of_span, shift_marks
from kb.types import Passage, make_passage_id

SPECIAL_TOKEN_MARGIN = 10  # room for [CLS]/[SEP] and tokenizer differences
MERGE_KINDS = {"text", "summary"}
DROP_KINDS = {"heading", "toc"}

_SENTENCE_END = re.compile(r"(?<=[.!?;])[\"'”’)\]]*\s+(?=[\"'“‘(\[•]?[A-Z0-9•])|\n+")
_ABBREVIATIONS = {
    "e.g.", "i.e.", "et al.", "etc.", "cf.", "vs.", "viz.", "no.", "nos.", "vol.", "pp.", "p.", "para.", "paras.",
    "art.", "arts.", "fig.", "mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "inc.", "ltd.", "co.", "corp.", "jr.",
    "sr.", "rev.", "op.", "ibid.", "approx.", "ed.", "eds.", "chap.", "sect.", "u.s.", "u.k.", "u.n.",
}


@dataclass(frozen=True)
class _Unit:
    """A passage before numbering: one block, or several merged ones."""

    text: str
    kind: str
    para: str | None
    section: tuple[str, ...]
    page_start: int | None
    page_end: int | None
    page_label: str | None
    page_marks: tuple[tuple[int, int, str | None], ...] = ()


_BOX_LABEL = re.compile(r"^(Box\s+[\w.]+)")
MAX_BOX_TITLE = 120

def split_sentences(text: str) -> list[str]:
    """Sentences (and lines) of `text`; abbreviations and initials do not end a sentence."""
    pieces: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        candidate = text[start:m.start()].strip()
        last_word = candidate.rsplit(None, 1)[-1].lower() if candidate else ""
        if "\n" not in m.group(0) and (
            last_word in _ABBREVIATIONS
            or re.fullmatch(r"\(?[a-z]\.", last_word)  # an initial: "J. Smith"
            or last_word.endswith("al.") and candidate.lower().endswith("et al.")
        ):
            continue
        if candidate:
            pieces.append(candidate)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return pieces


def _split_words(sentence: str, count_tokens: Callable[[str], int], budget: int) -> list[str]:
    """An overlong sentence cut at word boundaries into pieces within budget."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for word in sentence.split():
        n = count_tokens(word)
        if current and size + n > budget:
            parts.append(" ".join(current))
            current, size = [], 0
        if n > budget:  # a single giant "word" (a URL, a long number run): cut by characters
            step = max(1, len(word) * budget // (n + 1))
            parts.extend(word[i : i + step] for i in range(0, len(word), step))
            continue
        current.append(word)
        size += n
    if current:
        parts.append(" ".join(current))
    return parts


def split_text(text: str, count_tokens: Callable[[str], int], budget: int) -> list[str]:
    """`text` in balanced parts of at most `budget` tokens, cut at sentence boundaries."""
    total = count_tokens(text)
    if total <= budget:
        return [text]
    pieces: list[tuple[str, int, str]] = []  # sentence, tokens, the separator before it ("\n" or " ")
    pos = 0
    for sentence in split_sentences(text):
        found = text.find(sentence, pos)
        sep = "\n" if found > 0 and "\n" in text[pos:found] else " "
        pos = found + len(sentence) if found >= 0 else pos
        n = count_tokens(sentence)
        if n <= budget:
            pieces.append((sentence, n, sep))
        else:
            words = _split_words(sentence, count_tokens, budget)
            pieces.extend((w, count_tokens(w), sep if i == 0 else " ") for i, w in enumerate(words))
    n_parts = math.ceil(sum(p[1] for p in pieces) / budget)
    target = math.ceil(sum(p[1] for p in pieces) / max(n_parts, 1))
    parts: list[str] = []
    current = ""
    size = 0
    for sentence, n, sep in pieces:
        if current and (size + n > budget or size >= target):
            parts.append(current)
            current, size = "", 0
        current = f"{current}{sep}{sentence}" if current else sentence
        size += n
    if current:
        parts.append(current)
    # joining can change counts slightly with some tokenizers: re-check, cut by words if needed
    checked: list[str] = []
    for part in parts:
        checked.extend([part] if count_tokens(part) <= budget else _split_words(part, count_tokens, budget))
    return checked


def _unit(block: Block) -> _Unit:
    return _Unit(block.text, block.kind, block.para, block.section, block.page_start, block.page_end,
                 block.page_label, block.page_marks)


def _merge(a: _Unit, b: _Unit) -> _Unit:
    return _Unit(
        text=a.text + "\n" + b.text,
        kind=a.kind,
        para=None,
        section=a.section,
        page_start=a.page_start if a.page_start is not None else b.page_start,
        page_end=b.page_end if b.page_end is not None else a.page_end,
        page_label=a.page_label,
        page_marks=a.page_marks + tuple(m for m in shift_marks(b.page_marks, len(a.text) + 1)
                                        if not a.page_marks or m[1] != a.page_marks[-1][1]),
    )


def merge_blocks(blocks: Iterable[Block], count_tokens: Callable[[str], int], max_tokens: int) -> list[_Unit]:
    """Drop headings and contents lines; merge short unnumbered text of one section (up to half
    the window) and footnotes of one page or run (up to the window)."""
    units: list[_Unit] = []
    sizes: list[int] = []
    merge_cap = max_tokens // 2
    note_cap = max_tokens - SPECIAL_TOKEN_MARGIN
    for block in blocks:
        if block.kind in DROP_KINDS or not block.text.strip():
            continue
        unit = _unit(block)
        n = count_tokens(unit.text)
        if units:
            prev, prev_n = units[-1], sizes[-1]
            if (unit.kind in MERGE_KINDS and prev.kind == unit.kind and prev.para is None and unit.para is None
                    and prev.section == unit.section and prev_n + n + 1 <= merge_cap):
                units[-1], sizes[-1] = _merge(prev, unit), count_tokens(prev.text + "\n" + unit.text)
                continue
            if (unit.kind == "footnote" and prev.kind == "footnote" and prev.page_start == unit.page_start
                    and prev_n + n + 1 <= note_cap):
                units[-1], sizes[-1] = _merge(prev, unit), count_tokens(prev.text + "\n" + unit.text)
                continue
        units.append(unit)
        sizes.append(n)
    return units


def to_passages(
    blocks: list[Block],
    doc_id: str,
    count_tokens: Callable[[str], int],
    max_tokens: int = 256,
) -> list[Passage]:
    """Citable passages from `blocks`; none exceeds `max_tokens` per `count_tokens`."""
    budget = max(8, max_tokens - SPECIAL_TOKEN_MARGIN)
    passages: list[Passage] = []
    units = merge_blocks(blocks, count_tokens, max_tokens)
    if not units:  # a file of headings only: keep them rather than lose the document silently
        headings = [b for b in blocks if b.kind == "heading" and b.text.strip()]
        if headings:
            first = headings[0]
            units = [_Unit("\n".join(b.text for b in headings), "heading", None, (), first.page_start,
                           headings[-1].page_end, first.page_label)]
    for unit in units:
        parts = split_text(unit.text, count_tokens, budget)
        pos = 0
        section = unit.section
        label = _BOX_LABEL.match(unit.text) if unit.kind == "box" else None
        if label:  # every part of a box carries its label, so each is cited "Box 2"
            section = (*unit.section, unit.text.split("\n", 1)[0].strip()[:MAX_BOX_TITLE])
        for index, text in enumerate(parts, start=1):
            seq = len(passages)
            page_start, page_end, page_label = unit.page_start, unit.page_end, unit.page_label
            if len(parts) > 1 and unit.page_marks:  # each part of a split paragraph gets its own pages
                at = unit.text.find(text[:40], pos)
                span = pages_of_span(unit.page_marks, at, at + len(text)) if at >= 0 else None
                if span is not None:
                    page_start, page_end, page_label = span
                    pos = at + 1
            passages.append(
                Passage(
                    passage_id=make_passage_id(doc_id, seq, text),
                    doc_id=doc_id,
                    seq=seq,
                    text=text,
                    para=unit.para,
                    part=index if len(parts) > 1 else 0,
                    section=section,
                    kind=unit.kind,
                    page_start=page_start,
                    page_end=page_end,
                    page_label=page_label,
                )
            )
    return passages
