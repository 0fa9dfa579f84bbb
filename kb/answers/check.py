"""`kb check`: what each document says about a claim (supports / contradicts / not addressed /
unclear), the passages that decide it, and an overall verdict.

Offline the decision rests on two things: how strongly a document's best sentences match the
claim (embedding similarity plus keyword overlap), and contradiction cues between the claim
and those sentences (a negation on one side only, "rather than" / "instead", opposite words,
numbers that differ). Weak or mixed evidence gives "unclear", never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kb.answers.cite import short_reference
from kb.answers.evidence import ScoredSentence, score_sentences, term_weights
from kb.answers.tuning import ADDRESSED, DECISIVE, LEAD, MARGIN
from kb.search.knowledge_base import clean_query
from kb.sentences import content_words, numbers, stems, strip_framing, words
from kb.types import Document, DocumentVerdict, Filters, Hit, Verdict

if TYPE_CHECKING:
    from kb.search.knowledge_base import KnowledgeBase

SUPPORTS, CONTRADICTS, NOT_ADDRESSED, UNCLEAR = "supports", "contradicts", "not addressed", "unclear"

RETRIEVE = 30
DECIDING = 3  # sentences per document weighed for cues

_NEGATORS = {"not", "no", "never", "nor", "neither", "cannot", "none", "nothing", "without", "hardly",
             "rarely", "seldom", "unlikely", "little", "fail", "fails", "failed", "lack", "lacks", "instead",
             "discard", "discards", "discarded", "neglect", "neglects", "neglected", "abandon", "abandoned",
             "ignore", "ignores", "ignored", "insufficient", "inadequate", "unable", "avoid", "avoided"}
_CONTRAST = re.compile(r"\b(rather than|instead of|instead|as opposed to|contrary to|not only|by no means|"
                       r"far from|no longer|less likely|does not|do not|did not|is not|are not|was not|"
                       r"were not|should not|cannot|can not|neither|unlike)\b", re.IGNORECASE)
_ANTONYMS = [
    ("increase", "decrease"), ("increase", "reduce"), ("rise", "fall"), ("more", "less"), ("more", "fewer"),
    ("higher", "lower"), ("large", "small"), ("larger", "smaller"), ("major", "minor"), ("success", "failure"),
    ("strong", "weak"), ("easy", "difficult"), ("cheap", "expensive"), ("always", "rarely"), ("usual", "rare"),
    ("common", "rare"), ("most", "few"), ("public", "private"), ("new", "existing"), ("alone", "together"),
    ("sufficient", "insufficient"), ("effective", "ineffective"), ("help", "hinder"), ("support", "oppose"),
    ("encourage", "discourage"), ("benefit", "harm"), ("before", "after"), ("first", "last"), ("scratch", "existing"),
]


# Idioms whose negation word does not negate ("not only X but Y", "there is nothing wrong with").
_AFFIRMATIVE_IDIOMS = re.compile(r"\b(not only|not least|not surprisingly|no doubt|no less|nothing wrong|"
                                 r"none other|yes (?:and|or) no|not just)\b", re.IGNORECASE)


def _negations(text: str) -> int:
    toks = words(_AFFIRMATIVE_IDIOMS.sub(" ", text))
    return sum(1 for t in toks if t in _NEGATORS or t.endswith("n't"))


_PREFER = re.compile(r"\b(rather than|instead of|as opposed to|in preference to)\b", re.IGNORECASE)


def _preference(claim: str, sentence: str) -> bool | None:
    """For "X rather than Y" in the sentence: True when the claim is about X (the preferred
    side), False when it is about Y (the rejected side), None without such wording (pure)."""
    m = _PREFER.search(sentence)
    if not m:
        return None
    chosen, rejected = stems(sentence[:m.start()]), stems(sentence[m.end():])
    claim_stems = stems(claim)
    a, b = len(claim_stems & (chosen - rejected)), len(claim_stems & (rejected - chosen))
    if a == b:
        return None
    return a > b


def cues(claim: str, sentence: str) -> list[str]:
    """Contradiction cues between a claim and an evidence sentence (pure); empty when none."""
    found: list[str] = []
    c_neg, s_neg = _negations(claim), _negations(sentence)
    if (c_neg == 0) != (s_neg == 0):
        found.append("negation on one side only")
    preferred = _preference(claim, sentence)
    if preferred is not None:
        if not preferred:
            found.append("the passage prefers the alternative (rather than / instead of)")
    else:
        plain = _AFFIRMATIVE_IDIOMS.sub(" ", sentence)
        contrast = _CONTRAST.search(plain)
        if contrast and not _CONTRAST.search(claim) and not found:
            found.append(f"contrast wording ({contrast.group(0).lower()})")
    c_words, s_words = set(words(claim)), set(words(sentence))
    for a, b in _ANTONYMS:
        if a in c_words and b in c_words:
            continue
        if (a in c_words and b in s_words and a not in s_words) or (b in c_words and a in s_words and b not in s_words):
            found.append(f"opposite words ({a}/{b})")
            break
    c_num, s_num = numbers(claim), numbers(sentence)
    if c_num and s_num and not c_num & s_num:
        found.append("numbers differ")
    return found


def judge(claim: str, sentences: Sequence[ScoredSentence], best_overall: float | None = None,
          addressed: float = ADDRESSED, decisive: float = DECISIVE) -> tuple[str, list[ScoredSentence], str]:
    """One document's verdict from its best sentences (pure): (verdict, deciding sentences, reason).
    Any contradiction cue among the deciding sentences makes a strong match a contradiction."""
    best_overall = best_overall if best_overall is not None else (sentences[0].score if sentences else 0.0)
    if not sentences or sentences[0].score < addressed or sentences[0].score < best_overall - MARGIN:
        return NOT_ADDRESSED, [], "no passage close to the claim"
    best = sentences[0].score
    top = [s for s in sentences[:DECIDING] if s.score >= best - 0.1]
    with_cues = [(s, c) for s, c in ((s, cues(claim, s.text)) for s in top) if c]
    if best < decisive:
        return UNCLEAR, top[:2], "related passages, but too weak a match to decide"
    if not with_cues:
        return SUPPORTS, top[:2], "close match with no contradiction cue"
    s, c = with_cues[0]
    return CONTRADICTS, [s] + [x for x, _ in with_cues[1:2]], "; ".join(c)


def overall(verdicts: Sequence[str], scores: Sequence[float] | None = None) -> str:
    """The overall verdict from per-document verdicts and their match scores (pure): the decisive
    side when only one side is present, or when the best document leads the other side clearly."""
    scores = scores if scores is not None else [0.0] * len(verdicts)
    decisive = sorted(((s, v) for v, s in zip(verdicts, scores) if v in (SUPPORTS, CONTRADICTS)), reverse=True)
    sides = {v for _, v in decisive}
    if len(sides) == 1:
        return sides.pop()
    if sides:
        lead, side = decisive[0]
        other = max(s for s, v in decisive if v != side)
        return side if lead - other >= LEAD else UNCLEAR
    return UNCLEAR if UNCLEAR in verdicts else NOT_ADDRESSED


def claim_text(claim: str) -> str:
    """The claim as a statement: request phrasing and the question mark removed."""
    return strip_framing(claim).rstrip(" ?")


def check_claim(kbase: KnowledgeBase, claim: str, filters: Filters | None = None,
                k: int = RETRIEVE) -> Verdict:
    """Cross-check `claim` against every document in scope (all, or those the filters keep)."""
    claim = clean_query(claim)  # text, not empty; no control characters or lone surrogates
    text = claim_text(claim)
    hits = kbase.search(text, k=k, filters=filters)
    weights = term_weights(kbase, content_words(text))
    scored = score_sentences(kbase, text, hits, weights) if hits else []
    per_doc: dict[str, list[ScoredSentence]] = {}
    for s in scored:
        per_doc.setdefault(hits[s.hit_index].document.doc_id, []).append(s)
    docs: list[Document] = kbase.store.filter_documents(filters) if filters else kbase.documents()
    rows = []
    best_overall = scored[0].score if scored else 0.0
    for doc in docs:
        sentences = per_doc.get(doc.doc_id, [])
        verdict, deciding, reason = judge(text, sentences, best_overall)
        evidence = _passages(deciding, hits)
        rows.append(DocumentVerdict(document=doc, verdict=verdict, evidence=evidence, reason=reason,
                                    score=sentences[0].score if sentences else 0.0,
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
