"""How well retrieved passages answer a question, and which of their sentences answer it best.

Shared by ask, quote, check and compare. The features generalise across questions: the top
dense similarity, the share of the question's content words (weighted by rarity) found in the
top passages, and whether the dense and keyword sides agree on the top passages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kb.answers.slots import has_quantity, names, wants_quantity
from kb.answers.tuning import COVERAGE_WEIGHT, TOP_PASSAGES
from kb.sentences import (
    STOPWORDS,
    Span,
    content_words,
    evidence_spans,
    overlap,
    sentence_score,
    stem,
    stems,
    words,
)
from kb.types import Hit, Passage

if TYPE_CHECKING:
    from kb.search.knowledge_base import KnowledgeBase


@dataclass(frozen=True)
class Evidence:
    """Features of the retrieved passages for one question, and the score they give."""

    dense: float  # best cosine similarity of question and passage among the hits
    coverage: float  # rarity-weighted share of the question's content words in the top passages
    missing: tuple[str, ...]  # question words found in no top passage, rarest first
    agreement: float  # share of the top passages found by both the dense and the keyword side

    @property
    def score(self) -> float:
        return self.dense + COVERAGE_WEIGHT * self.coverage


@dataclass(frozen=True)
class ScoredSentence:
    """One sentence of a passage with its relevance to the question."""

    hit_index: int  # index into the hits it came from
    span: Span
    text: str
    score: float
    similarity: float
    keyword: float


def term_weights(kbase: KnowledgeBase, terms: Sequence[str]) -> dict[str, float]:
    """An inverse document frequency per term's stem, counted over the store's passages by FTS5
    (porter stemming); a term no passage holds gets the highest weight."""
    store = kbase.store
    n = max(store.passage_count(), 1)
    out: dict[str, float] = {}
    for t in terms:
        df = store.term_count(t, column="body")
        df = n if df is None else df  # an FTS5 syntax corner case: weigh the term as common
        out[stem(t)] = max(out.get(stem(t), 0.0), math.log((n + 1) / (df + 0.5)))
    return out


def absent_names(kbase: KnowledgeBase, question: str) -> tuple[str, ...]:
    """Proper names of the question (capitalised words) that no passage, title, heading, author or
    publisher of the knowledge base contains: a question about them cannot be answered here."""
    store = kbase.store
    known = set()
    for d in store.documents():
        known |= set(words(" ".join(x for x in (d.title, d.short_title, d.authors, d.publisher, d.symbol, d.file)
                                    if x)))
    out = []
    for name in names(question):
        low = name.lower()
        if low in known or low in STOPWORDS:
            continue
        if store.term_count(low) == 0:  # None (FTS5 cannot parse it) does not count as absent
            out.append(name)
    return tuple(out)


def gaps(question: str, scored: Sequence[ScoredSentence], unknown: Sequence[str] = (), top: int = 2) -> list[str]:
    """Why the best sentences cannot answer the question, beyond a low score (pure): it names
    something the documents never mention, or asks for an amount the best sentences do not state."""
    out = []
    if unknown:
        out.append(f"the documents never mention {', '.join(unknown)}")
    if wants_quantity(question) and not any(has_quantity(s.text) for s in scored[:top]):
        out.append("the question asks for an amount and the closest passages state none")
    return out


def assess(question: str, hits: Sequence[Hit], weights: dict[str, float], top: int = TOP_PASSAGES) -> Evidence:
    """The evidence features of `hits` for `question` (pure: weights come from `term_weights`)."""
    if not hits:
        return Evidence(0.0, 0.0, tuple(content_words(question)), 0.0)
    dense = max((h.dense_score for h in hits if h.dense_score is not None), default=0.0)
    terms = {stem(w): w for w in content_words(question)}
    have: set[str] = set()
    for h in hits[:top]:
        have |= stems(h.passage.text + " " + h.passage.section_path)
    total = sum(weights.get(s, 1.0) for s in terms)
    got = sum(weights.get(s, 1.0) for s in terms if s in have)
    coverage = got / total if total else 0.0
    missing = tuple(terms[s] for s in sorted(terms, key=lambda s: -weights.get(s, 1.0)) if s not in have)
    both = sum(1 for h in hits[:top] if h.dense_rank is not None and h.keyword_rank is not None
               and h.dense_rank <= 20 and h.keyword_rank <= 20)
    return Evidence(dense=float(dense), coverage=coverage, missing=missing, agreement=both / min(top, len(hits)))


def score_sentences(kbase: KnowledgeBase, question: str, hits: Sequence[Hit], weights: dict[str, float],
                    weight_keyword: float = 0.5, rank_weight: float = 0.0) -> list[ScoredSentence]:
    """Every sentence of the hits, scored by similarity to the question (embedding cosine plus
    rarity-weighted keyword overlap, plus `rank_weight / rank` for the passage's search rank),
    best first."""
    pieces: list[tuple[int, Span, str, int]] = []
    for i, h in enumerate(hits):
        for pos, span in evidence_spans(h.passage.text, h.passage.section_path):
            pieces.append((i, span, span.of(h.passage.text), pos))
    if not pieces:
        return []
    vecs = kbase.embedder.encode([question] + [p[2] for p in pieces])
    sims = vecs[1:] @ vecs[0]
    terms = {stem(w) for w in content_words(question)}
    out = []
    for (i, span, text, pos), sim in zip(pieces, np.asarray(sims, dtype=float)):
        kw = overlap(terms, text, weights)
        score = sentence_score(float(sim), kw, pos, weight_keyword) + rank_weight / (1 + i)
        out.append(ScoredSentence(i, span, text, score, float(sim), kw))
    out.sort(key=lambda s: (-s.score, s.hit_index, s.span.start))
    return out


def verbatim(passage: Passage, text: str) -> bool:
    """Whether `text` is an exact substring of the passage's stored text."""
    return bool(text) and text in passage.text
