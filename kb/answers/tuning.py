"""The hand-set constants left beside the learned judgments.

Answer or abstain and the claim verdicts are no longer thresholds: they come from the models in
kb/answers/models/ (kb.answers.confidence, kb.answers.judge), fitted by bench/train_judgments.py
on named eval files and reported on the others (docs/quality.md). What stays here are the
retrieval and presentation constants those models read their features through, set on
dev.jsonl (43 answerable and 4 unanswerable questions, 7 claims; bench/eval_answers.py).
"""

from __future__ import annotations

# ask: the evidence summary (an input of the abstain model) = best sentence cosine + COVERAGE_WEIGHT x
# the share of the question's content words the top TOP_PASSAGES passages cover.
COVERAGE_WEIGHT = 0.6
TOP_PASSAGES = 3
RANK_WEIGHT = 0.1  # ask: edge of a sentence from a higher-ranked passage when choosing answer sentences
# ask: most sentences in an answer (dev: 5 -> 36/43 answers cite the gold passage, 6 -> 37, 7 -> 37)
ANSWER_SENTENCES = 6

# check: which documents the judge weighs at all, by sentence strength (cosine + 0.5 x keyword overlap)
ADDRESSED = 0.50  # below: the document does not address the claim
MARGIN = 0.15  # a document this far below the best document's match does not address the claim

# compare: rows whose best passage is weaker than this are left out (dev: 9/9 rows)
MIN_STRENGTH = 0.35
PASSAGE_WEIGHT = 0.5  # weight of a passage's search score (relative to its document's best) in picking rows

# verify (a chat model's answer): share of a sentence's content words its cited passages must contain
MIN_SUPPORT = 0.3
