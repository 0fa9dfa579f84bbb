"""The judgments' tuning in one place: the thresholds that decide answer or abstain, a claim's
verdict, and which documents get a comparison row.

All were fitted by hand on dev.jsonl (43 answerable and 4 unanswerable questions, 7 claims;
bench/eval_answers.py). They do not hold on held-out questions (docs/quality.md, "Answers"):
these numbers are what a learned or calibrated judgment must beat, measured on files it was not
fitted on. The word lists the claim check reads (negators, contrast cues, antonym pairs) are in
kb.answers.check beside the code that reads them.
"""

from __future__ import annotations

# ask: answer or abstain. Evidence = best sentence cosine + COVERAGE_WEIGHT x the share of the
# question's content words the top TOP_PASSAGES passages cover; below DEFAULT_THRESHOLD (or KB_ANSWER_THRESHOLD) kb says
# the documents do not answer (dev: 4/4 unanswerable flagged, 0/43 answerable refused).
DEFAULT_THRESHOLD = 0.55
COVERAGE_WEIGHT = 0.6
TOP_PASSAGES = 3
RANK_WEIGHT = 0.1  # ask: edge of a sentence from a higher-ranked passage when choosing answer sentences
# ask: most sentences in an answer (dev: 5 -> 36/43 answers cite the gold passage, 6 -> 37, 7 -> 37)
ANSWER_SENTENCES = 6

# check: sentence strength (cosine + 0.5 x keyword overlap) bands (dev claims: 5/7 right)
ADDRESSED = 0.50  # below: the document does not address the claim
MARGIN = 0.15  # a document this far below the best document's match does not address the claim
DECISIVE = 0.70  # at or above: strong enough to support or contradict
LEAD = 0.10  # when documents disagree, the best one decides only with this lead over the other side

# compare: rows whose best passage is weaker than this are left out (dev: 9/9 rows)
MIN_STRENGTH = 0.35
PASSAGE_WEIGHT = 0.5  # weight of a passage's search score (relative to its document's best) in picking rows

# verify (a chat model's answer): share of a sentence's content words its cited passages must contain
MIN_SUPPORT = 0.3
