"""Claim cross-check: contradiction cues, per-document verdicts, the overall verdict."""

from __future__ import annotations

import pytest
from answers_store import water_kb  # noqa: F401  (fixture)

from kb.answers.check import (
    CONTRADICTS,
    NOT_ADDRESSED,
    SUPPORTS,
    UNCLEAR,
    check_claim,
    claim_text,
    cues,
    overall,
)


@pytest.mark.parametrize(("claim", "sentence", "has_cue"), [
    ("Meters reduce consumption", "Meters do not reduce consumption in the long run.", True),
    ("Meters reduce consumption", "Meters reduce consumption within two years.", False),
    ("Costs rose by 15 per cent", "Costs rose by 40 per cent.", True),
    ("Costs rose by 15 per cent", "Costs rose by 15 per cent.", False),
    ("Demand will increase", "Demand will decrease sharply.", True),
    ("The agency favours flat rates", "The agency favours block tariffs rather than flat rates.", True),
    ("The agency favours block tariffs", "The agency favours block tariffs rather than flat rates.", False),
    ("Meters help towns", "Meters not only help towns but also farms.", False),
    ("Meters help towns", "There is nothing wrong with helping towns by meters.", False),
    ("Small towns gain more than large ones", "Large towns were studied as well.", False),
])
def test_contradiction_cues(claim, sentence, has_cue):
    """This test ensures that negation, differing numbers, opposite words and the rejected side of
    'rather than' count as contradiction cues, and agreement does not."""
    assert bool(cues(claim, sentence)) is has_cue


@pytest.mark.parametrize(("verdicts", "expected"), [
    ([SUPPORTS, NOT_ADDRESSED], SUPPORTS),
    ([CONTRADICTS, UNCLEAR, NOT_ADDRESSED], CONTRADICTS),
    ([SUPPORTS, CONTRADICTS], UNCLEAR),
    ([UNCLEAR, NOT_ADDRESSED], UNCLEAR),
    ([NOT_ADDRESSED, NOT_ADDRESSED], NOT_ADDRESSED),
])
def test_overall_verdict(verdicts, expected):
    """This test ensures that the overall verdict follows the decisive documents and is unclear when they disagree."""
    assert overall(verdicts) == expected


def test_overall_verdict_follows_a_clearly_leading_document():
    """This test ensures that when documents disagree, a document matching the claim much better decides."""
    assert overall([CONTRADICTS, SUPPORTS], [0.95, 0.70]) == CONTRADICTS
    assert overall([CONTRADICTS, SUPPORTS], [0.75, 0.70]) == UNCLEAR


def test_claim_text_removes_question_framing():
    """This test ensures that a claim asked as a question becomes a statement."""
    assert claim_text("Is it true that meters save water?") == "meters save water"


def test_check_finds_contradicting_document(water_kb):  # noqa: F811
    """This test ensures that a document saying the opposite of the claim is marked contradicts with its passage."""
    v = check_claim(water_kb, "Household metering does not change consumption in the long run?")
    by_file = {d.document.file: d for d in v.documents}
    assert by_file["network_leaks.txt"].verdict == SUPPORTS
    v = check_claim(water_kb, "Does the agency recommend subsidised flat rates?")
    row = {d.document.file: d for d in v.documents}["agency_water.pdf"]
    assert row.verdict == CONTRADICTS
    assert any("rather than" in p.text for p in row.evidence)


def test_check_lists_every_document(water_kb):  # noqa: F811
    """This test ensures that every document gets a verdict, unrelated ones 'not addressed' with no evidence."""
    v = check_claim(water_kb, "Acoustic sensors locate leaks in water mains")
    assert {d.document.file for d in v.documents} == {"agency_water.pdf", "scholar_rivers.txt", "network_leaks.txt"}
    assert v.verdict == SUPPORTS
    for d in v.documents:
        if d.verdict == NOT_ADDRESSED:
            assert d.evidence == ()


def test_check_json_fields(water_kb):  # noqa: F811
    """This test ensures that the check JSON has the fields scripts rely on."""
    d = check_claim(water_kb, "Farm ponds are cheaper than dams").to_dict()
    assert {"verdict", "documents"} <= d.keys()
    for row in d["documents"]:
        assert {"doc_file", "verdict", "evidence"} <= row.keys()
        for e in row["evidence"]:
            assert {"passage_id", "para", "page", "text"} <= e.keys()
