"""`kb ask`: a short cited answer made of the best sentences of the retrieved passages.

Offline and deterministic by default: the sentences of the top passages are scored against
the question (embedding similarity plus keyword overlap), the best few are kept, each followed
by its marker [n], and the numbered sources carry a copy-ready reference. When the evidence is
weak the answer says "The documents do not answer this." and lists the nearest passages as
related reading. With a chat model configured (kb.answers.llm), the model writes the prose from the
same passages and kb.answers.verify holds it to its citations.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from kb.answers.cite import cite_hit
from kb.answers.confidence import ANSWERED, LOW, NOT_IN_DOCUMENTS, answer_features, load_abstain
from kb.answers.evidence import (
    Evidence,
    ScoredSentence,
    absent_names,
    assess,
    gaps,
    score_sentences,
    term_weights,
)
from kb.answers.tuning import ANSWER_SENTENCES, RANK_WEIGHT
from kb.search.knowledge_base import clean_query
from kb.sentences import content_words, strip_framing
from kb.types import NOT_ANSWERED, Answer, Citation, Filters, Hit

if TYPE_CHECKING:
    from kb.answers.llm import ChatModel
    from kb.search.knowledge_base import KnowledgeBase

log = logging.getLogger(__name__)

RETRIEVE = 10  # passages retrieved to judge the evidence
SOURCES = 5  # passages a chat model sees
RELATED = 3  # nearest passages listed when the documents do not answer


def select_sentences(scored: Sequence[ScoredSentence], max_sentences: int = 5, per_passage: int = 2,
                     min_ratio: float = 0.6, min_chars: int = 30) -> list[ScoredSentence]:
    """The best sentences (pure): at most `per_passage` from one passage, none scoring below
    `min_ratio` of the best, none repeating a chosen sentence; the first pick is always kept."""
    chosen: list[ScoredSentence] = []
    seen_text: set[str] = set()
    per: dict[int, int] = {}
    best = scored[0].score if scored else 0.0
    for s in scored:
        if len(chosen) >= max_sentences:
            break
        key = " ".join(s.text.lower().split())
        if key in seen_text or (chosen and (s.score < min_ratio * best or len(s.text) < min_chars)):
            continue
        if per.get(s.hit_index, 0) >= per_passage:
            continue
        chosen.append(s)
        seen_text.add(key)
        per[s.hit_index] = per.get(s.hit_index, 0) + 1
    return chosen


def compose(chosen: Sequence[ScoredSentence], hits: Sequence[Hit]) -> tuple[str, tuple[Citation, ...]]:
    """The answer text, each sentence followed by [n], and the citations numbered by first use."""
    numbers: dict[int, int] = {}
    parts = []
    for s in chosen:
        n = numbers.setdefault(s.hit_index, len(numbers) + 1)
        parts.append(f"{s.text} [{n}]")
    citations = tuple(cite_hit(n, hits[i]) for i, n in sorted(numbers.items(), key=lambda x: x[1]))
    return " ".join(parts), citations


@dataclass(frozen=True)
class Gathered:
    """What ask weighs for one question: the hits, their evidence, the scored sentences, the
    question's names the documents never mention, and the abstain model's features."""

    topic: str
    hits: tuple[Hit, ...]
    evidence: Evidence
    scored: tuple[ScoredSentence, ...]
    unknown: tuple[str, ...]
    features: tuple[float, ...]


def gather(kbase: KnowledgeBase, question: str, k: int = RETRIEVE, filters: Filters | None = None) -> Gathered:
    """Retrieve and score the evidence for `question` (already cleaned)."""
    topic = strip_framing(question)
    hits = tuple(kbase.search(topic, k=max(k, RETRIEVE), filters=filters))
    weights = term_weights(kbase, content_words(topic))
    evidence = assess(topic, hits, weights)
    scored = tuple(score_sentences(kbase, topic, hits, weights, rank_weight=RANK_WEIGHT)) if hits else ()
    unknown = absent_names(kbase, question)
    features = tuple(answer_features(question, hits, evidence, scored, unknown))
    return Gathered(topic, hits, evidence, scored, unknown, features)


def ask(kbase: KnowledgeBase, question: str, k: int = SOURCES, filters: Filters | None = None,
        llm: ChatModel | None = None, threshold: float | None = None,
        max_sentences: int = ANSWER_SENTENCES) -> Answer:
    """Answer `question` from the knowledge base with cited sentences (or say it cannot).

    The abstain model (kb.answers.confidence) turns the evidence into a confidence; below its
    caution cut-off (or `threshold` / KB_ANSWER_THRESHOLD when given) kb says the documents do
    not answer, between the cut-offs it answers with a caution."""
    question = clean_query(question)  # text, not empty; no control characters or lone surrogates
    g = gather(kbase, question, k=k, filters=filters)
    hits, model = g.hits, load_abstain()
    confidence = model.confidence(g.features) if hits else 0.0
    limit = threshold if threshold is not None else (kbase.settings.answer_threshold or None)
    outcome = model.outcome(confidence) if limit is None else (ANSWERED if confidence >= limit else NOT_IN_DOCUMENTS)
    sources = hits[:k]
    if outcome == NOT_IN_DOCUMENTS:
        reasons = [f"weak evidence (confidence {confidence:.2f})"] if hits else ["no passage matches"]
        reasons += gaps(question, g.scored, g.unknown) if hits else []
        related = tuple(cite_hit(n, h) for n, h in enumerate(hits[:RELATED], start=1))
        return Answer(question=question, text=NOT_ANSWERED, answered=False, related=related,
                      evidence=g.evidence.score, confidence=confidence,
                      confidence_level="none", warnings=tuple(f"not answered: {r}" for r in reasons))
    warnings: tuple[str, ...] = ()
    level = "low" if outcome == LOW else "high"
    if outcome == LOW:
        why = "; ".join(gaps(question, g.scored, g.unknown)) or "the closest passages match the question only in part"
        warnings = (f"low confidence ({confidence:.2f}): {why}; check the sources before relying on this",)
    if llm is not None:
        from kb.answers.llm import llm_answer

        generated = llm_answer(llm, question, sources, g.evidence.score)
        if generated.text:
            return replace(generated, confidence=confidence, confidence_level=level, warnings=(*warnings, *generated.warnings))
        warnings = (*warnings, *generated.warnings, (f"the answer of {llm.name} failed verification; showing the "
                    "extractive answer instead"))
    chosen = select_sentences(g.scored, max_sentences=max_sentences)
    text, citations = compose(chosen, hits)
    return Answer(question=question, text=text, answered=True, citations=citations, evidence=g.evidence.score,
                  confidence=confidence, confidence_level=level, warnings=warnings)


def format_answer(answer: Answer, width: int = 100) -> str:
    """The answer for the terminal: the text, then the numbered sources with their paragraphs."""
    import textwrap

    lines = [textwrap.fill(answer.text, width)]
    if answer.warnings:
        lines += ["", *(f"note: {w}" for w in answer.warnings)]
    if answer.citations:
        lines += ["", "Sources:"]
        for c in answer.citations:
            lines += _source_lines(c, width)
    if answer.related:
        lines += ["", "Related reading (nearest passages):"]
        for c in answer.related:
            lines += _source_lines(c, width)
    return "\n".join(lines)


def _source_lines(c: Citation, width: int, max_chars: int = 1500) -> list[str]:
    import textwrap

    head = f"[{c.n}] {c.reference}"
    if c.passage.section:
        head += f"  ({c.passage.section_path})"
    text = c.passage.text if len(c.passage.text) <= max_chars else c.passage.text[:max_chars].rstrip() + " ..."
    return [textwrap.fill(head, width, subsequent_indent="    "),
            textwrap.fill(text, width, initial_indent="    ", subsequent_indent="    ")]
