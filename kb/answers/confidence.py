"""Answer or abstain: how likely the retrieved evidence answers the question, from a small
logistic model over evidence features, and the three outcomes the user sees.

The features (`answer_features`) generalise across questions: the best dense similarity of a
passage, how much of the question's words (weighted by rarity) the top passages and the best
sentences cover, whether the dense and keyword sides agree, whether the question's names occur
in the top passages, whether the documents never mention one of them, and whether a question
that asks for an amount, a date or a person gets a best sentence that supplies one the question
does not already contain (kb.answers.slots). The coefficients are fitted offline by
`python bench/train_judgments.py` on named eval files and stored as JSON
(kb/answers/models/abstain.json) with the two calibrated cut-offs:

- confidence >= `answer`: answered;
- `caution` <= confidence < `answer`: answered with low confidence (shown with a caution);
- confidence < `caution`: "The documents do not answer this", with the nearest passages.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kb.answers.evidence import Evidence, ScoredSentence
from kb.answers.slots import asked_slot, fills_slot, names
from kb.sentences import stems
from kb.types import Hit

MODELS = Path(__file__).resolve().parent / "models"
ANSWERED, LOW, NOT_IN_DOCUMENTS = "answered", "low", "not in the documents"

FEATURES = ("bias", "dense", "coverage", "agreement", "best_similarity", "best_keyword", "second_keyword",
            "names_found", "unknown_names", "slot_asked", "slot_unfilled", "slot_unfilled_best")


def answer_features(question: str, hits: Sequence[Hit], evidence: Evidence, scored: Sequence[ScoredSentence],
                    unknown: Sequence[str], top: int = 3) -> list[float]:
    """The abstain model's input for one question, in FEATURES order (pure)."""
    best = scored[0] if scored else None
    second = scored[1] if len(scored) > 1 else None
    asked = names(question)
    have: set[str] = set()
    for h in hits[:top]:
        have |= stems(h.passage.text + " " + h.passage.section_path)
    found = sum(1 for n in asked if stems(n) <= have) / len(asked) if asked else 1.0
    slot = asked_slot(question)
    unfilled = slot is not None and not any(fills_slot(slot, question, s.text) for s in scored[:2])
    unfilled_best = slot is not None and not (best and fills_slot(slot, question, best.text))
    return [1.0, evidence.dense, evidence.coverage, evidence.agreement,
            best.similarity if best else 0.0, best.keyword if best else 0.0, second.keyword if second else 0.0,
            found, float(bool(unknown)), float(slot is not None), float(unfilled), float(unfilled_best)]


@dataclass(frozen=True)
class AbstainModel:
    """Logistic coefficients over FEATURES (standardised by mean and scale) and the cut-offs."""

    weights: tuple[float, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    answer: float
    caution: float
    trained_on: str = ""

    def confidence(self, features: Sequence[float]) -> float:
        x = [(f - m) / s if s else 0.0 for f, m, s in zip(features, self.mean, self.scale)]
        x[0] = 1.0
        z = sum(w * v for w, v in zip(self.weights, x))
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))

    def outcome(self, confidence: float) -> str:
        if confidence >= self.answer:
            return ANSWERED
        return LOW if confidence >= self.caution else NOT_IN_DOCUMENTS

    def to_dict(self) -> dict:
        return {"kind": "logistic regression", "features": list(FEATURES), "weights": list(self.weights),
                "mean": list(self.mean), "scale": list(self.scale),
                "cutoffs": {"answer": self.answer, "caution": self.caution}, "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, d: dict) -> AbstainModel:
        if list(d.get("features", ())) != list(FEATURES):
            raise ValueError("abstain model features differ from this version of kb; "
                             "retrain with python bench/train_judgments.py")
        return cls(weights=tuple(float(v) for v in d["weights"]), mean=tuple(float(v) for v in d["mean"]),
                   scale=tuple(float(v) for v in d["scale"]), answer=float(d["cutoffs"]["answer"]),
                   caution=float(d["cutoffs"]["caution"]), trained_on=str(d.get("trained_on", "")))


@lru_cache(maxsize=4)
def load_abstain(path: str | None = None) -> AbstainModel:
    """The shipped abstain model (or the one at `path`)."""
    file = Path(path) if path else MODELS / "abstain.json"
    return AbstainModel.from_dict(json.loads(file.read_text(encoding="utf-8")))
