"""`kb check`: what each document says about a claim (supports / contradicts / not addressed /
unclear), the passages that decide it, and an overall verdict.

A document is "not addressed" when none of its sentences comes close to the claim (embedding
similarity plus keyword overlap). Otherwise its best sentences go to the learned claim judge
(kb.answers.judge), which weighs their match with the claim against contradiction cues (a
negation on one side only, "rather than" / "instead", opposite or degree words, numbers or names
that differ). Supports or contradicts only above the judge's calibrated confidence; weak or
mixed evidence gives "unclear", never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.answers.cite import short_reference
from kb.answers.evidence import ScoredSentence, score_sentences, term_weights
from kb.answers.judge import FEATURES, JudgeModel, load_judge, pair_features
from kb.answers.tuning import ADDRESSED, MARGIN
from kb.search.knowledge_base import clean_query
from kb.sentences import content_words, strip_framing
from kb.types import Document, DocumentVerdict, Filters, Hit, Verdict

if TYPE_CHECKING:
    from kb.search.knowledge_base import KnowledgeBase

SUPPORTS, CONTRADICTS, NOT_ADDRESSED, UNCLEAR = "supports", "contradicts", "not addressed", "unclear"

RETRIEVE = 30
DECIDING = 3  # sentences per document weighed for cues

def cues(claim: str, sentence: str) -> list[str]:
    """The contradiction cues the judge sees between a claim and an evidence sentence, in words (pure)."""
    f = dict(zip(FEATURES, pair_features(claim, sentence, 0.0)))
    named = {"negation_mismatch": "one of the two says \"not\" where the other does not",
             "prefers_other": "the passage prefers the alternative (rather than / instead of)",
             "opposite": "the passage uses a word of opposite meaning",
             "degree_flip": "the passage gives the opposite degree (most / least)",
             "numbers_differ": "the passage gives another number", "names_differ": "the passage names another one"}
    return [text for key, text in named.items() if f[key]]


_STRONG_CUES = ("prefers_other", "opposite", "degree_flip", "numbers_differ", "names_differ")
NEGATION_OVERLAP = 0.5  # share of the claim's words a sentence must repeat for its negation alone to contradict


def contradiction_cue(claim: str, sentence: str) -> bool:
    """Whether the sentence can contradict the claim (pure): a strong cue (rather than, opposite or
    degree words, numbers or names that differ), or a negation on one side only in a sentence that
    repeats at least half of the claim's words. A negation in a paraphrase ("despite lack of
    experience" for "before any track record") says nothing about which side the sentence takes."""
    f = dict(zip(FEATURES, pair_features(claim, sentence, 0.0)))
    return any(f[k] for k in _STRONG_CUES) or bool(f["negation_mismatch"] and f["overlap"] >= NEGATION_OVERLAP)


def judge(claim: str, sentences: Sequence[ScoredSentence], best_overall: float | None = None,
          model: JudgeModel | None = None, addressed: float = ADDRESSED) -> tuple[str, list[ScoredSentence], str, float]:
    """One document's verdict from its best sentences (pure given the model): (verdict, deciding
    sentences, reason, confidence). The judge scores each deciding sentence; the document supports
    or contradicts the claim only when one sentence does so above the model's calibrated confidence
    and no sentence points the other way above it; otherwise it is unclear."""
    model = model or load_judge()
    best_overall = best_overall if best_overall is not None else (sentences[0].score if sentences else 0.0)
    if not sentences or sentences[0].score < addressed or sentences[0].score < best_overall - MARGIN:
        return NOT_ADDRESSED, [], "no passage of this document is close to the claim", 0.0
    best = sentences[0].score
    top = [s for s in sentences[:DECIDING] if s.score >= best - 0.1]
    judged = [(s, model.predict(pair_features(claim, s.text, s.similarity))) for s in top]
    sup = max(judged, key=lambda x: x[1].supports)
    con = max(judged, key=lambda x: x[1].contradicts)
    # the judge and the cues must agree: no "supports" from a sentence with a contradiction cue,
    # no "contradicts" without one that can decide (a bare similarity cannot tell the two apart;
    # unclear beats wrong)
    is_sup = (sup[1].supports >= model.decide_supports and sup[1].supports > sup[1].contradicts
              and not cues(claim, sup[0].text))
    is_con = (con[1].contradicts >= model.decide_contradicts and con[1].contradicts > con[1].supports
              and contradiction_cue(claim, con[0].text))
    if is_sup and not is_con:
        return SUPPORTS, [sup[0]], f"a passage says the same (confidence {sup[1].supports:.2f})", sup[1].supports
    if is_con and not is_sup:
        why = "; ".join(cues(claim, con[0].text)) or "the passage says otherwise"
        return CONTRADICTS, [con[0]], f"{why} (confidence {con[1].contradicts:.2f})", con[1].contradicts
    if is_sup and is_con:
        return UNCLEAR, [sup[0], con[0]], "one passage agrees and another disagrees: read both", 0.0
    return UNCLEAR, top[:2], (f"related passages, but none says clearly yes or no (agreement {sup[1].supports:.2f}, "
                              f"disagreement {con[1].contradicts:.2f}); read them"), 0.0


def overall(verdicts: Sequence[str], scores: Sequence[float] | None = None) -> str:
    """The overall verdict from per-document verdicts (pure): the decisive side when only one side
    is present; documents on both sides give "unclear" (an evaluator reads both)."""
    sides = {v for v in verdicts if v in (SUPPORTS, CONTRADICTS)}
    if len(sides) == 1:
        return sides.pop()
    if sides:
        return UNCLEAR
    return UNCLEAR if UNCLEAR in verdicts else NOT_ADDRESSED


@dataclass(frozen=True)
class Candidates:
    """What check weighs for one claim: the hits and each document's scored sentences, best first."""

    text: str
    hits: tuple[Hit, ...]
    per_doc: dict[str, list[ScoredSentence]]
    best_overall: float


def gather(kbase: KnowledgeBase, claim: str, filters: Filters | None = None, k: int = RETRIEVE) -> Candidates:
    """Retrieve the claim's evidence and score its sentences (claim already cleaned)."""
    text = claim_text(claim)
    hits = tuple(kbase.search(text, k=k, filters=filters))
    weights = term_weights(kbase, content_words(text))
    scored = score_sentences(kbase, text, hits, weights) if hits else []
    per_doc: dict[str, list[ScoredSentence]] = {}
    for s in scored:
        per_doc.setdefault(hits[s.hit_index].document.doc_id, []).append(s)
    return Candidates(text, hits, per_doc, scored[0].score if scored else 0.0)


_REPORTED = re.compile(
    r"^(?:do|does|did|has|have)\s+(?:[^\s?]+\s+){1,9}?(?:claim|say|state|argue|recommend|suggest|find|show|"
    r"identify|hold|report|conclude|note|present|credit|propose|put forward|describe|mention|confirm|"
    r"acknowledge|indicate|point out|maintain|see)(?:s|ed)?\s+that\s+", re.IGNORECASE)
_ACCORDING = re.compile(r"^(?:according to|in the view of|as stated in)\s+[^,]{3,80},\s*", re.IGNORECASE)


def claim_text(claim: str) -> str:
    """The claim as a statement: request phrasing ("Does the 2005 note say that", "According to
    A/80/1,") and the question mark removed, so only what is claimed meets the passages (pure)."""
    text = strip_framing(claim)
    for pattern in (_ACCORDING, _REPORTED):
        stripped = pattern.sub("", text, count=1).strip()
        if len(stripped) >= 10:
            text = stripped
    return text.rstrip(" ?")


def check_claim(kbase: KnowledgeBase, claim: str, filters: Filters | None = None,
                k: int = RETRIEVE) -> Verdict:
    """Cross-check `claim` against every document in scope (all, or those the filters keep)."""
    claim = clean_query(claim)  # text, not empty; no control characters or lone surrogates
    c = gather(kbase, claim, filters=filters, k=k)
    docs: list[Document] = [kbase.versions.mark_document(d) for d in kbase.documents_in_scope(filters)]
    model = load_judge()
    rows = []
    for doc in docs:
        sentences = c.per_doc.get(doc.doc_id, [])
        verdict, deciding, reason, confidence = judge(c.text, sentences, c.best_overall, model)
        evidence = _passages(deciding, c.hits)
        rows.append(DocumentVerdict(document=doc, verdict=verdict, evidence=evidence, reason=reason,
                                    score=sentences[0].score if sentences else 0.0, confidence=confidence,
                                    references=tuple(short_reference(doc, p) for p in evidence)))
    order = {SUPPORTS: 0, CONTRADICTS: 0, UNCLEAR: 1, NOT_ADDRESSED: 2}
    rows.sort(key=lambda r: (order[r.verdict], -r.score, r.document.file))
    return Verdict(claim=claim, verdict=overall([r.verdict for r in rows], [r.score for r in rows]),
                   documents=tuple(rows))


def _passages(sentences: Sequence[ScoredSentence], hits: Sequence[Hit]) -> tuple:
    out, seen = [], set()
    for s in sentences:
        p = hits[s.hit_index].passage
        if p.passage_id not in seen:
            seen.add(p.passage_id)
            out.append(p)
    return tuple(out)


def format_verdict(verdict: Verdict, width: int = 100, show_unaddressed: bool = False) -> str:
    """The verdicts for the terminal: overall first, then each document with its deciding passages."""
    import textwrap

    lines = [f"Overall: {verdict.verdict}", ""]
    for row in verdict.documents:
        if row.verdict == NOT_ADDRESSED and not show_unaddressed:
            continue
        lines.append(f"{row.verdict.upper():<14} {row.document.short_title or row.document.title}  ({row.reason})")
        for p in row.evidence:
            lines.append("    " + short_reference(row.document, p))
            lines.append(textwrap.fill(p.text, width, initial_indent="      ", subsequent_indent="      "))
    quiet = [r.document.file for r in verdict.documents if r.verdict == NOT_ADDRESSED]
    if quiet and not show_unaddressed:
        lines.append(f"not addressed by: {', '.join(quiet)}")
    return "\n".join(lines)
