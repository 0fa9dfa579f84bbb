"""The ranking's tuning in one place: every weight, count and threshold the search uses.

Each default was chosen on dev.jsonl and dev-un.jsonl (the question files the ranking is tuned
on) and checked on SciFact; the figures are hit@5 / MRR@10 unless said, measured with `kb eval`
(docs/quality.md, "The ranking, and why"; variants tried and dropped are in docs/history.md).
Change one only with before / after numbers on every question file.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.errors import QueryError

# which sides search the question without its request frame (kb.sentences.strip_framing)
FRAME_SIDES = {"": (), "keyword": ("keyword",), "dense": ("dense",), "both": ("dense", "keyword")}


@dataclass(frozen=True)
class Ranking:
    """How the dense, keyword and proximity sides are merged into one ranking."""

    mode: str = "hybrid"  # hybrid | dense | keyword
    # weighted (scores normalised per side, then summed) | rrf; weighted beat RRF k=60 on all three
    # sets (RRF: dev hit@5 0.721, MRR 0.628; SciFact nDCG@10 0.718 against 0.732)
    fusion: str = "weighted"
    rrf_k: int = 60
    norm: str = "minmax"  # weighted fusion: minmax | max | z (per side, over its candidates)
    # dense 0.6 / keyword 0.4: the reference corpus prefers dense, the UN PDFs BM25; with the
    # proximity side, 0.6 keeps dev-un hit@5 at 0.833 and dev at its best
    dense_weight: float = 0.6
    keyword_weight: float = 0.4
    # BM25 of adjacent query-term pairs (FTS5 NEAR within 5 words), max-normalised; weight 0.05 lost
    # dev-un (hit@5 0.667), 0.15 lost dev (0.744); span 5 gained a dev question and SciFact, 6 and 8 lost dev-un
    proximity_weight: float = 0.1
    proximity_span: int = 5
    # sides searched without the request frame ("I need a quote on", "is it true that"):
    # "" | keyword (keyword and proximity) | dense | both; keyword: dev MRR +0.007, dense: MRR 0.698 (worse)
    strip_framing: str = "keyword"
    candidates: int = 100  # per side, before fusion
    # BM25 weight of the title/section column against the passage body; 0.25 gave BM25-alone dev hit@5 0.558, 1.0 0.605
    context_weight: float = 1.0
    per_doc_cap: int = 4  # passages of one document in the top k (dev coverage@10 0.917)
    cap_damping: float = 0.0  # > 0: soft cap, the n-th passage of a document past the cap scores x damping ** (n - cap)
    # dense score = 0.3 x passage cosine + 0.7 x best sentence cosine (kb.embed.spans);
    # 0.5: dev hit@5 0.814, MRR 0.662; 0.7: 0.837, 0.682; 0.8: 0.837, 0.667-0.679
    sentence_weight: float = 0.7
    # weighted fusion: + rank_bonus x (k + 1) / (k + rank) on each side, so a passage one side ranks
    # first keeps a share of the score (dev MRR +0.017 before sentence vectors)
    rank_bonus: float = 0.1
    rank_bonus_k: int = 1
    # rank bonus: scores within 0.1% of a side's best share a rank, so a cosine difference of 1e-4
    # (the noise of bf16 vectors) does not decide a 0.03 bonus
    rank_tie: float = 0.001
    # fused score x (1 + doc_boost) for a document the query names (dev hit@5 0.744 -> 0.791)
    doc_boost: float = 1.0
    mention_floor: float = 1.0  # naming strength (in unique words) that gives no boost yet
    # a title word the query shares counts half a naming word (dev-un hit@5 0.750 -> 0.833; full strength cost dev)
    title_naming: float = 0.5
    # fused score x (1 - penalty) for reference-list entries among the top k + 20
    # (dev: two questions to rank 1, none lost; 0.2 lowered hit@1, 0.8 = 0.5)
    reference_penalty: float = 0.5

    def __post_init__(self) -> None:
        if self.strip_framing not in FRAME_SIDES:
            raise QueryError(f"strip_framing={self.strip_framing!r} is not one of "
                             + ", ".join(map(repr, FRAME_SIDES)))
