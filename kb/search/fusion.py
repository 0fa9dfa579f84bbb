"""Pure functions that merge ranked lists and pick a diverse top k.

Inputs are plain `{id: score}` dicts (higher is better) or id lists best first, so every
function is tested with hand-written numbers.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def ranks(scores: Mapping[K, float]) -> dict[K, int]:
    """1-based ranks by descending score (ties keep input order)."""
    order = sorted(scores, key=lambda k: -scores[k])
    return {k: i + 1 for i, k in enumerate(order)}


def rrf(ranked: Sequence[Sequence[K]], weights: Sequence[float] | None = None, k: int = 60) -> dict[K, float]:
    """Reciprocal rank fusion: sum of weight / (k + rank) over the lists an id appears in."""
    weights = weights or [1.0] * len(ranked)
    out: dict[K, float] = {}
    for w, ids in zip(weights, ranked):
        for r, i in enumerate(ids, start=1):
            out[i] = out.get(i, 0.0) + w / (k + r)
    return out


def rank_scores(scores: Mapping[K, float], k: int = 1, tie: float = 0.0) -> dict[K, float]:
    """(k + 1) / (k + rank): 1 for the best id, falling with rank whatever the score spread;
    a small weight of it rewards an id that one side ranks near the top. An id's rank is 1 +
    the number of ids scoring more than `tie` x the best |score| above it, so near-equal scores
    share a rank: a difference in the noise (bf16 against fp32 vectors) cannot decide the bonus."""
    if not scores:
        return {}
    margin = tie * max(abs(v) for v in scores.values())
    ascending = sorted(scores.values())
    n = len(ascending)
    return {i: (k + 1) / (k + 1 + n - bisect_right(ascending, v + margin)) for i, v in scores.items()}


def minmax(scores: Mapping[K, float]) -> dict[K, float]:
    """Scale to [0, 1]; all-equal scores become 1."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo <= 1e-12:
        return {k: 1.0 for k in scores}
    return {k: (v - lo) / (hi - lo) for k, v in scores.items()}


def max_normalise(scores: Mapping[K, float], floor: float = 0.0) -> dict[K, float]:
    """Divide by the best score after subtracting `floor` (keeps how far apart the top scores are)."""
    if not scores:
        return {}
    hi = max(scores.values()) - floor
    if hi <= 1e-12:
        return {k: 1.0 for k in scores}
    return {k: max(0.0, (v - floor) / hi) for k, v in scores.items()}


def zscore(scores: Mapping[K, float]) -> dict[K, float]:
    """Standardise to mean 0 and unit deviation; a constant list becomes all 0."""
    if not scores:
        return {}
    vals = list(scores.values())
    mean = sum(vals) / len(vals)
    sd = (sum((v - mean) ** 2 for v in vals) / len(vals)) ** 0.5
    if sd <= 1e-12:
        return {k: 0.0 for k in scores}
    return {k: (v - mean) / sd for k, v in scores.items()}


def weighted_sum(sides: Sequence[Mapping[K, float]], weights: Sequence[float]) -> dict[K, float]:
    """Sum of weight * score over sides; an id missing from a side gets 0 there."""
    out: dict[K, float] = {}
    for w, side in zip(weights, sides):
        for i, s in side.items():
            out[i] = out.get(i, 0.0) + w * s
    return out


def top_k_capped(items: Iterable[T], k: int, group: Callable[[T], Hashable], cap: int,
                 protected: Collection[T] = ()) -> list[T]:
    """The first k items (already best first) with at most `cap` per group; when fewer than
    k pass the cap, the best of the held-back items fill the remaining places in order.
    `protected` items (each side's best hit) pass the cap whatever their group's count, so
    diversity never pushes the strongest evidence of one retriever out of the top k.
    cap <= 0 disables the limit."""
    items = list(items)
    if cap <= 0:
        return items[:k]
    kept: list[T] = []
    held: list[T] = []
    count: dict[Hashable, int] = {}
    for it in items:
        g = group(it)
        if count.get(g, 0) < cap or it in protected:
            count[g] = count.get(g, 0) + 1
            kept.append(it)
            if len(kept) == k:
                return kept
        else:
            held.append(it)
    return kept + held[: k - len(kept)]


def damp_repeats(items: Sequence[T], scores: Mapping[T, float], group: Callable[[T], Hashable], cap: int,
                 factor: float, protected: Collection[T] = ()) -> list[T]:
    """Items (already best first) re-ordered after a soft per-group limit: the n-th item of a
    group beyond `cap` has its score multiplied by factor ** (n - cap), so a document's fifth
    passage must beat other documents' by a margin to stay ahead, yet a strong one is not
    dropped as a hard cap would. `protected` items are never damped. Scores must be >= 0."""
    if cap <= 0:
        return list(items)
    count: dict[Hashable, int] = {}
    adjusted: dict[T, float] = {}
    for it in items:
        g = group(it)
        count[g] = count.get(g, 0) + 1
        over = count[g] - cap
        adjusted[it] = scores[it] * factor ** over if over > 0 and it not in protected else scores[it]
    return sorted(adjusted, key=lambda it: -adjusted[it])
