"""Claim cross-check: contradiction cues, per-document verdicts, the overall verdict."""

from __future__ import annotations

import json

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
    judge,
    overall,
)
from kb.answers.evidence import ScoredSentence
from kb.answers.judge import FEATURES, JudgeModel, load_judge, pair_features, preference
from kb.sentences import Span


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


def test_overall_verdict_is_unclear_when_documents_take_both_sides():
    """This test ensures that documents on both sides never give a one-sided overall verdict,
    however much better one of them matches the claim (an evaluator must read both)."""
    assert overall([CONTRADICTS, SUPPORTS], [0.95, 0.70]) == UNCLEAR
    assert overall([CONTRADICTS, SUPPORTS, NOT_ADDRESSED], [0.75, 0.70, 0.2]) == UNCLEAR


@pytest.mark.parametrize(("claim", "expected"), [
    ("Governments should not try to create clusters from scratch", True),
    ("Governments should try to create clusters from scratch", False),
    ("Policy should build on existing clusters", True),
    ("Policy should support exporters", None),
])
def test_preference_reads_the_sides_of_rather_than_and_a_negated_claim(claim, expected):
    """This test ensures that "X rather than Y" is read by its two sides: a claim about X or one
    negating Y agrees, a claim about Y takes the rejected side, and an unrelated claim is undecided."""
    sentence = "Policy should build on existing clusters rather than trying to create them from scratch."
    assert preference(claim, sentence) is expected


def test_negated_claim_agreeing_with_rather_than_has_no_contradiction_cue():
    """This test ensures that "should not do Y" meeting "X rather than Y" is not flagged as a negation
    on one side only, while its opposite is flagged as taking the rejected side."""
    sentence = "Policy should build on existing clusters rather than trying to create them from scratch."
    assert cues("Governments should not try to create clusters from scratch", sentence) == []
    assert cues("Governments should try to create clusters from scratch", sentence) == [
        "the passage prefers the alternative (rather than / instead of)"]


@pytest.mark.parametrize(("claim", "sentence", "key", "value"), [
    ("Spending increased sharply", "Spending was cut by half.", "opposite", 1.0),
    ("Spending increased sharply", "Spending increased and was then cut.", "opposite", 0.0),
    ("Staff fell from 600 to 400", "Staff rose from 400 to 600.", "numbers_reordered", 1.0),
    ("Staff fell from 600 to 400", "Staff fell from 600 to 400.", "numbers_reordered", 0.0),
    ("The most important factor is cost", "Cost is a minor factor.", "degree_flip", 1.0),
    ("Aid reached Chad", "Aid reached Niger.", "names_differ", 1.0),
    ("Aid from Norway reached Chad", "Aid from Norway reached Chad and Niger in May.", "names_differ", 0.0),
])
def test_pair_features_see_contradiction_cues(claim, sentence, key, value):
    """This test ensures that the judge's features compare opposite words by stem, the order of
    shared numbers, degree words and differing names."""
    assert dict(zip(FEATURES, pair_features(claim, sentence, 0.5)))[key] == value


def _scored(text: str, similarity: float = 0.8, score: float = 0.8) -> ScoredSentence:
    return ScoredSentence(hit_index=0, span=Span(0, len(text)), text=text, similarity=similarity,
                          keyword=0.5, score=score)


def _biased(label: int) -> JudgeModel:
    """A judge that always favours LABELS[label] (its bias only), deciding at 0.5."""
    n = len(FEATURES)
    rows = [[0.0] * n for _ in range(3)]
    rows[label][0] = 5.0
    return JudgeModel(tuple(tuple(r) for r in rows), (0.0,) * n, (1.0,) * n, 0.5, 0.5)


def test_judge_vetoes_support_from_a_sentence_with_a_contradiction_cue():
    """This test ensures that a sentence the judge scores as support but which carries a
    contradiction cue never yields "supports", and that without a cue "contradicts" is impossible."""
    claim, same, negated = "Meters reduce consumption", "Meters reduce consumption.", "Meters do not reduce consumption."
    sup, con = _biased(0), _biased(1)
    assert judge(claim, [_scored(negated)], model=sup)[0] == UNCLEAR
    assert judge(claim, [_scored(same)], model=sup)[0] == SUPPORTS
    assert judge(claim, [_scored(same)], model=con)[0] == UNCLEAR
    assert judge(claim, [_scored(negated)], model=con)[0] == CONTRADICTS


def test_negation_in_a_paraphrase_cannot_contradict_alone():
    """This test ensures that a negation on one side only decides "contradicts" only in a sentence
    that repeats most of the claim's words, not in a loose paraphrase."""
    claim = "High-tech small firms invest abroad before they have any international track record"
    paraphrase = "The exception is high-technology SMEs, which start investing abroad despite lack of experience."
    assert judge(claim, [_scored(paraphrase)], model=_biased(1))[0] == UNCLEAR


def test_judge_model_round_trips_as_json_and_refuses_other_features():
    """This test ensures that the judge model is stored as plain JSON and that a model made for
    other features is refused with a message naming the retraining command."""
    m = JudgeModel(weights=((0.1,) * len(FEATURES),) * 3, mean=(0.0,) * len(FEATURES),
                   scale=(1.0,) * len(FEATURES), decide_supports=0.6, decide_contradicts=0.7, trained_on="x")
    d = json.loads(json.dumps(m.to_dict()))
    assert JudgeModel.from_dict(d) == m
    d["features"] = d["features"][:-1]
    with pytest.raises(ValueError, match="train_judgments"):
        JudgeModel.from_dict(d)


def test_shipped_judge_loads():
    """This test ensures that the shipped judge model file loads and matches this version's features."""
    m = load_judge()
    assert len(m.weights) == 3 and all(len(r) == len(FEATURES) for r in m.weights)
    assert 0.0 < m.decide_supports <= 1.0 and 0.0 < m.decide_contradicts <= 1.0


@pytest.mark.parametrize(("asked", "claim"), [
    ("Is it true that meters save water?", "meters save water"),
    ("According to A/80/1, meters save water", "meters save water"),
    ("Does the 2005 agency note say that meters save water?", "meters save water"),
    ("Did the report find that meters save water?", "meters save water"),
])
def test_claim_text_removes_question_framing(asked, claim):
    """This test ensures that a claim asked as a question, or attributed to a document, becomes the bare statement."""
    assert claim_text(asked) == claim


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


def test_verdict_reasons_are_plain_words():
    """This test ensures that the reason an evaluator reads names what the passage does in plain
    words ("says \"not\" where the other does not", "gives another number"), not feature names
    such as "negation on one side only"."""
    sentence = "Exports did not rise in 2004."
    assert cues("Exports rose in 2004", sentence) == ['one of the two says "not" where the other does not']
    assert "another number" in " ".join(cues("Staff fell to 400", "Staff fell to 300."))
