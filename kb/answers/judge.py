"""The claim judge: whether one evidence sentence supports a claim, contradicts it, or neither.

A small multinomial logistic model over features of the (claim, sentence) pair: the shipped
MiniLM's cosine between the two, keyword overlap, and contradiction cues (a negation on one
side only, "X rather than Y" with the claim on the rejected side, opposite or degree words,
numbers or names that differ). It is trained offline by `python bench/train_judgments.py` on
SciFact's labelled claims and pairs made from named eval files, and stored as plain JSON
(kb/answers/models/judge.json, with what it was trained on); nothing is pickled.

`pair_features` and `predict` are pure; the model file is read once per process.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kb.sentences import STOPWORDS, content_words, numbers, stem, stems, words

MODELS = Path(__file__).resolve().parent / "models"
LABELS = ("supports", "contradicts", "neutral")

_NEGATORS = frozenset({
    "not", "no", "never", "nor", "neither", "cannot", "none", "nothing", "without", "hardly", "rarely",
    "seldom", "unlikely", "fail", "fails", "failed", "lack", "lacks", "lacking", "absence", "absent",
    "non", "unable", "insufficient", "inadequate", "neglect", "neglected", "discard", "discarded",
    "ignore", "ignored", "abandon", "abandoned", "avoid", "avoided", "deny", "denied", "denies", "reject",
    "rejected", "rejects", "ban", "bans", "banned", "prohibit", "prohibits", "prohibition"})
_AFFIRMATIVE_IDIOMS = re.compile(r"\b(not only|not least|not surprisingly|no doubt|no less|nothing wrong|"
                                 r"none other|not just|not limited to|but not limited)\b", re.IGNORECASE)
_PREFER = re.compile(r"\b(rather than|instead of|as opposed to|in preference to|in place of)\b", re.IGNORECASE)
_CONTRAST = re.compile(r"\b(however|although|but|yet|while|whereas|despite|instead|unlike|contrary)\b",
                       re.IGNORECASE)
# Words whose opposite in the other text turns a claim around.
_OPPOSITES = (
    ("increase", "decrease"), ("increase", "reduce"), ("increase", "cut"), ("rise", "fall"), ("rise", "decline"),
    ("grow", "shrink"), ("more", "less"), ("more", "fewer"), ("higher", "lower"), ("larger", "smaller"),
    ("large", "small"), ("strong", "weak"), ("easy", "difficult"), ("success", "failure"), ("cheap", "expensive"),
    ("common", "rare"), ("usual", "rare"), ("public", "private"), ("new", "existing"),
    ("help", "hinder"), ("support", "oppose"), ("encourage", "discourage"), ("benefit", "harm"),
    ("accept", "reject"), ("agree", "disagree"), ("agreement", "disagreement"), ("before", "after"),
    ("alone", "together"), ("first", "last"), ("sufficient", "insufficient"), ("effective", "ineffective"),
)
_OPPOSITE_STEMS = tuple((stem(a), stem(b)) for a, b in _OPPOSITES)
_STRONG = frozenset({"most", "main", "major", "primary", "principal", "chief", "key", "largest", "biggest",
                     "best", "greatest", "leading", "always", "all", "every", "substantial", "significant"})
_WEAK = frozenset({"least", "minor", "little", "marginal", "smallest", "worst", "rarely", "seldom", "few",
                   "modest", "limited", "negligible"})
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z][\w'’-]+)")

FEATURES = ("bias", "similarity", "overlap", "sentence_overlap", "negation_mismatch", "prefers_other",
            "prefers_claim", "contrast", "opposite", "degree_flip", "numbers_differ", "numbers_shared", "numbers_reordered", "names_differ", "sim_x_mismatch", "sim_x_numbers")


def _negations(text: str) -> int:
    toks = words(_AFFIRMATIVE_IDIOMS.sub(" ", text))
    return sum(1 for t in toks if t in _NEGATORS or t.endswith("n't") or t.startswith("non-"))


_WINDOW = 3  # content words on each side of "rather than" that say what is preferred and what rejected
_CLAUSE_END = re.compile(r"[.;:]|\b(?:which|whereas|while|but)\b", re.IGNORECASE)


def preference(claim: str, sentence: str) -> bool | None:
    """For "X rather than Y" in the sentence: True when the claim agrees with the preference (it is
    about X, or it negates Y: "should not create clusters from scratch" against "build on existing
    clusters rather than create them from scratch"), False when it takes the rejected side, None
    without such wording or when unclear. Only the three content words each
    side of the marker count as its two sides (the shared predicate before them does not)."""
    m = _PREFER.search(sentence)
    if not m:
        return None
    chosen = {stem(w) for w in content_words(_CLAUSE_END.split(sentence[:m.start()])[-1])[-_WINDOW:]}
    rejected = {stem(w) for w in content_words(_CLAUSE_END.split(sentence[m.end():])[0])[:_WINDOW]}
    mine = stems(claim)
    a, b = len(mine & (chosen - rejected)), len(mine & (rejected - chosen))
    if a == b:
        return None
    agrees = a > b
    return (not agrees) if _negations(claim) else agrees


def _order(text: str, shared: set[str]) -> list[str]:
    """The shared numbers in the order the text first writes them ("from 600 to 400" vs "from 400 to 600")."""
    seen: list[str] = []
    for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text):
        n = n.replace(",", "")
        if n in shared and n not in seen:
            seen.append(n)
    return seen


def _proper_names(text: str) -> set[str]:
    return {m.group(1).lower() for m in _NAME.finditer(text)}


_NEAR = 2  # content words either side of an opposite word that say what it is about


_TOKEN = re.compile(r"\d[\d,]*(?:\.\d+)?|[^\W\d_]+(?:[-'’][^\W_]+)*")


def _key(token: str) -> str:
    return token.replace(",", "") if token[:1].isdigit() else stem(token.lower())


def _contexts(text: str) -> dict[str, set[str]]:
    """Each content token of the text (words by stem, numbers without commas) with its neighbours
    (up to _NEAR content tokens either side)."""
    seq = [_key(t) for t in _TOKEN.findall(text) if t.lower() not in STOPWORDS]
    out: dict[str, set[str]] = {}
    for i, w in enumerate(seq):
        out.setdefault(w, set()).update(seq[max(0, i - _NEAR):i] + seq[i + 1:i + 1 + _NEAR])
    return out


def _slot_differs(c: dict[str, set[str]], s: dict[str, set[str]], mine: set[str], theirs: set[str]) -> bool:
    """Whether a number or name of the claim is replaced in the sentence by another of its kind said
    of the same thing: the two share a neighbour ("15 per cent" / "40 per cent"; "reached Chad" /
    "reached Niger"), not merely both texts holding some number or name."""
    for x in mine - theirs:
        for y in theirs - mine:
            if c.get(x, set()) & s.get(y, set()) - {x, y}:
                return True
    return False


def _opposite(claim: str, sentence: str) -> bool:
    """Whether one text has a word whose opposite only the other has, said of the same thing: the
    two words share a neighbour ("cut its forces" / "forces increased"; not "small firms" /
    "larger markets"). Compared by stem, so "increased" meets "cut"."""
    c, s = _contexts(claim), _contexts(sentence)
    for a, b in _OPPOSITE_STEMS:
        if a in c and b in c:
            continue
        for x, y in ((a, b), (b, a)):
            if x in c and y in s and x not in s and c[x] & s[y]:
                return True
    return False


def pair_features(claim: str, sentence: str, similarity: float) -> list[float]:
    """The judge's input for one (claim, evidence sentence) pair, in FEATURES order (pure)."""
    c_stems, s_stems = stems(claim), stems(sentence)
    shared = c_stems & s_stems
    ov = len(shared) / len(c_stems) if c_stems else 0.0
    s_ov = len(shared) / len(s_stems) if s_stems else 0.0
    c_neg, s_neg = _negations(claim) > 0, _negations(sentence) > 0
    pref = preference(claim, sentence)
    # with "rather than" the sentence's polarity is in the preference, not in a negation word
    mismatch = float(c_neg != s_neg and pref is None)
    cw, sw = set(words(claim)), set(words(sentence))
    degree = float(bool((cw & _STRONG and sw & _WEAK and not cw & _WEAK) or
                        (cw & _WEAK and sw & _STRONG and not cw & _STRONG)))
    c_num, s_num = numbers(claim), numbers(sentence)
    c_ctx, s_ctx = _contexts(claim), _contexts(sentence)
    num_diff = float(_slot_differs(c_ctx, s_ctx, c_num, s_num))
    num_same = float(bool(c_num & s_num))
    reordered = float(_order(claim, c_num & s_num) != _order(sentence, c_num & s_num))
    c_names = {_key(n) for n in _proper_names(claim) - _stop_names()}
    s_names = {_key(n) for n in _proper_names(sentence) - _stop_names()}
    names_diff = float(_slot_differs(c_ctx, s_ctx, c_names, s_names))
    contrast = float(bool(_CONTRAST.search(sentence)) and not _CONTRAST.search(claim))
    return [1.0, similarity, ov, s_ov, mismatch, float(pref is False),
            float(pref is True), contrast, float(_opposite(claim, sentence)), degree, num_diff, num_same, reordered, names_diff,
            similarity * mismatch, similarity * num_diff]


@lru_cache(maxsize=1)
def _stop_names() -> frozenset[str]:
    return frozenset({"the", "this", "that", "these", "it", "in", "on", "at", "for", "as", "and", "of", "by",
                      "during", "since", "there", "its", "their", "such", "while", "with", "from"})


@dataclass(frozen=True)
class Judgement:
    """The judge's probabilities for one pair."""

    supports: float
    contradicts: float
    neutral: float

    @property
    def label(self) -> str:
        probs = (self.supports, self.contradicts, self.neutral)
        return LABELS[probs.index(max(probs))]


@dataclass(frozen=True)
class JudgeModel:
    """Coefficients (one row per label over FEATURES), the feature scaling, and the calibrated
    confidence a verdict needs (`decide`)."""

    weights: tuple[tuple[float, ...], ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    decide_supports: float
    decide_contradicts: float
    trained_on: str = ""

    def predict(self, features: Sequence[float]) -> Judgement:
        x = [(f - m) / s if s else 0.0 for f, m, s in zip(features, self.mean, self.scale)]
        x[0] = 1.0  # the bias stays 1
        logits = [sum(w * v for w, v in zip(row, x)) for row in self.weights]
        top = max(logits)
        exps = [math.exp(v - top) for v in logits]
        total = sum(exps)
        return Judgement(*(e / total for e in exps))

    def to_dict(self) -> dict:
        return {"kind": "multinomial logistic regression", "features": list(FEATURES), "labels": list(LABELS),
                "weights": [list(r) for r in self.weights], "mean": list(self.mean), "scale": list(self.scale),
                "decide": {"supports": self.decide_supports, "contradicts": self.decide_contradicts},
                "trained_on": self.trained_on}

    @classmethod
    def from_dict(cls, d: dict) -> JudgeModel:
        if list(d.get("features", ())) != list(FEATURES) or list(d.get("labels", ())) != list(LABELS):
            raise ValueError("judge model features or labels differ from this version of kb; "
                             "retrain with python bench/train_judgments.py")
        return cls(weights=tuple(tuple(float(v) for v in r) for r in d["weights"]),
                   mean=tuple(float(v) for v in d["mean"]), scale=tuple(float(v) for v in d["scale"]),
                   decide_supports=float(d["decide"]["supports"]),
                   decide_contradicts=float(d["decide"]["contradicts"]), trained_on=str(d.get("trained_on", "")))


@lru_cache(maxsize=4)
def load_judge(path: str | None = None) -> JudgeModel:
    """The shipped judge (or the one at `path`)."""
    file = Path(path) if path else MODELS / "judge.json"
    return JudgeModel.from_dict(json.loads(file.read_text(encoding="utf-8")))

