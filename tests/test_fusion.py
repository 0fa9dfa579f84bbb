"""Fusion and diversity: pure functions over hand-written scores."""

from __future__ import annotations

import pytest

from kb.search import fusion


def test_rrf_rewards_ids_found_by_both_lists():
    """This test ensures that reciprocal rank fusion ranks an id present in both lists above ids in one."""
    fused = fusion.rrf([["a", "b", "c"], ["c", "d"]], k=60)
    assert max(fused, key=fused.get) == "c", "c is in both lists"
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)


def test_rrf_weights_scale_each_list():
    """This test ensures that a list's weight multiplies its contribution."""
    fused = fusion.rrf([["a"], ["b"]], weights=[1.0, 2.0], k=0)
    assert fused == {"a": 1.0, "b": 2.0}


def test_minmax_scales_to_unit_range_and_handles_ties():
    """This test ensures that min-max scaling maps to [0, 1] and equal scores to 1."""
    assert fusion.minmax({"a": 2.0, "b": 4.0, "c": 3.0}) == {"a": 0.0, "b": 1.0, "c": 0.5}
    assert fusion.minmax({"a": 5.0, "b": 5.0}) == {"a": 1.0, "b": 1.0}
    assert fusion.minmax({}) == {}


def test_max_normalise_keeps_gaps_relative_to_best():
    """This test ensures that dividing by the best score keeps the ratio between scores."""
    assert fusion.max_normalise({"a": 10.0, "b": 5.0}) == {"a": 1.0, "b": 0.5}
    assert fusion.max_normalise({"a": 0.9, "b": 0.5}, floor=0.5) == {"a": 1.0, "b": 0.0}


def test_weighted_sum_treats_missing_ids_as_zero():
    """This test ensures that an id absent from one side gets nothing from it."""
    out = fusion.weighted_sum([{"a": 1.0, "b": 0.5}, {"b": 1.0}], [0.5, 1.0])
    assert out == {"a": 0.5, "b": 1.25}


def test_ranks_are_one_based_by_descending_score():
    """This test ensures that ranks count from 1 for the best score."""
    assert fusion.ranks({"a": 0.1, "b": 0.9, "c": 0.5}) == {"b": 1, "c": 2, "a": 3}


@pytest.mark.parametrize(("cap", "expected"), [
    (2, ["x1", "x2", "y1", "z1", "x3"]),  # x3 fills the last place when nothing else is left
    (1, ["x1", "y1", "z1", "x2", "x3"]),
    (0, ["x1", "x2", "x3", "y1", "z1"]),  # 0 disables the cap
])
def test_top_k_capped_limits_each_group(cap, expected):
    """This test ensures that the per-document cap promotes other documents and backfills in order."""
    items = ["x1", "x2", "x3", "y1", "z1"]
    assert fusion.top_k_capped(items, 5, lambda s: s[0], cap) == expected


def test_top_k_capped_stops_at_k():
    """This test ensures that no more than k items come back."""
    assert fusion.top_k_capped(["a1", "b1", "a2", "a3"], 2, lambda s: s[0], 1) == ["a1", "b1"]


def test_cap_never_drops_a_sides_best_hit():
    """This test ensures that the per-document cap does not push the best hit of one retriever
    out of the top k (a keyword rank-1 passage in a document that already has `cap` hits)."""
    from kb.search.fusion import top_k_capped

    items = ["a1", "a2", "b1", "a3", "a4"]
    assert top_k_capped(items, 4, lambda s: s[0], cap=2) == ["a1", "a2", "b1", "a3"]
    assert top_k_capped(items, 3, lambda s: s[0], cap=2, protected={"a3"}) == ["a1", "a2", "b1"]
    assert top_k_capped(items, 4, lambda s: s[0], cap=1, protected={"a4"}) == ["a1", "b1", "a4", "a2"]


def test_damp_repeats_scales_scores_beyond_the_cap():
    """This test ensures that the n-th item of a group beyond the cap is scored x factor ** (n - cap),
    that protected items keep their score and that factor 0 orders like the hard cap."""
    items = ["a1", "a2", "a3", "b1"]
    scores = {"a1": 1.0, "a2": 0.9, "a3": 0.8, "b1": 0.5}
    assert fusion.damp_repeats(items, scores, lambda s: s[0], 1, 0.5) == ["a1", "b1", "a2", "a3"]
    assert fusion.damp_repeats(items, scores, lambda s: s[0], 1, 0.6) == ["a1", "a2", "b1", "a3"]
    assert fusion.damp_repeats(items, scores, lambda s: s[0], 1, 0.5, protected={"a3"}) == ["a1", "a3", "b1", "a2"]
    assert fusion.damp_repeats(items, scores, lambda s: s[0], 1, 0.0) == fusion.top_k_capped(items, 4, lambda s: s[0], 1)
    assert fusion.damp_repeats(items, scores, lambda s: s[0], 0, 0.5) == items


def test_rank_scores_fall_with_rank():
    """This test ensures that rank scores give 1 to the best id and (k + 1) / (k + rank) below it."""
    assert fusion.rank_scores({"x": 0.2, "y": 0.9, "z": 0.5}, k=1) == {"y": 1.0, "z": 2 / 3, "x": 0.5}


def test_rank_scores_let_near_equal_scores_share_a_rank():
    """This test ensures that scores within `tie` x the best score of each other share the better
    rank, so a difference in the noise does not decide the rank bonus, and that a real gap still does."""
    scores = {"a": 0.53939, "b": 0.53925, "c": 0.52585}
    assert fusion.rank_scores(scores, k=1) == {"a": 1.0, "b": 2 / 3, "c": 0.5}
    assert fusion.rank_scores(scores, k=1, tie=0.001) == {"a": 1.0, "b": 1.0, "c": 0.5}
    assert fusion.rank_scores({"x": 5.0, "y": 5.0}, k=1) == {"x": 1.0, "y": 1.0}
    assert fusion.rank_scores({}, k=1, tie=0.001) == {}
