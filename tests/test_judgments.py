"""The learned judgments' building blocks: what a question asks for and the abstain model (pure
functions, no store)."""

from __future__ import annotations

import json

import pytest

from kb.answers.confidence import ANSWERED, FEATURES, LOW, NOT_IN_DOCUMENTS, AbstainModel, load_abstain
from kb.answers.slots import asked_slot, fills_slot, quantities


@pytest.mark.parametrize(("question", "slot"), [
    ("Who chairs the committee on water tariffs?", "person"),
    ("Which official signed the agreement?", "person"),
    ("When was the metering programme launched?", "date"),
    ("In what year did the agency adopt block tariffs?", "date"),
    ("How many meters were installed?", "amount"),
    ("Why do flat rates hide leaks?", None),
])
def test_asked_slot_names_what_kind_of_answer_is_wanted(question, slot):
    """This test ensures that person, date and amount questions are told apart from open ones."""
    assert asked_slot(question) == slot


@pytest.mark.parametrize(("slot", "question", "text", "filled"), [
    ("amount", "How many meters were installed in 2001?", "About 4,000 meters were installed.", True),
    ("amount", "How many meters were installed in 2001?", "Meters were installed in 2001.", False),
    ("date", "When was the programme launched?", "It was launched in March 2004.", True),
    ("date", "When was the 2004 programme launched?", "The 2004 programme was a success.", False),
    ("person", "Who chairs the Water Board?", "The Water Board is chaired by Maria Lopez.", True),
    ("person", "Who chairs the Water Board?", "The Water Board meets twice a year.", False),
    (None, "Why do meters help?", "Anything at all.", True),
])
def test_fills_slot_needs_something_new_of_the_asked_kind(slot, question, text, filled):
    """This test ensures that a sentence fills the asked slot only with an amount, date or name
    that the question does not already contain."""
    assert fills_slot(slot, question, text) is filled


def test_quantities_normalise_and_skip_identifiers():
    """This test ensures that amounts are normalised and resolution numbers are not amounts."""
    assert "1000" in quantities("Some 1,000 firms joined.")
    assert not quantities("Recalls its resolution 2696 (2023).") & {"2696"}


def _model(answer: float = 0.7, caution: float = 0.4) -> AbstainModel:
    n = len(FEATURES)
    weights = (0.0, 3.0) + (0.0,) * (n - 2)  # confidence rises with the dense similarity
    return AbstainModel(weights=weights, mean=(0.0, 0.5) + (0.0,) * (n - 2), scale=(1.0, 0.1) + (1.0,) * (n - 2),
                        answer=answer, caution=caution, trained_on="unit test")


def test_abstain_model_gives_three_outcomes_by_its_cutoffs():
    """This test ensures that confidence grows with the evidence and that the two cut-offs give
    answered, low confidence and not in the documents."""
    m = _model()
    f = [1.0, 0.0] + [0.0] * (len(FEATURES) - 2)
    conf = []
    for dense in (0.3, 0.5, 0.8):
        f[1] = dense
        conf.append(m.confidence(f))
    assert conf[0] < conf[1] < conf[2]
    assert [m.outcome(c) for c in conf] == [NOT_IN_DOCUMENTS, LOW, ANSWERED]


def test_abstain_model_round_trips_and_refuses_other_features():
    """This test ensures that the abstain model is plain JSON and refuses a file made for other features."""
    m = _model()
    d = json.loads(json.dumps(m.to_dict()))
    assert AbstainModel.from_dict(d) == m
    d["features"] = ["bias"]
    with pytest.raises(ValueError, match="train_judgments"):
        AbstainModel.from_dict(d)


def test_shipped_abstain_model_loads_with_ordered_cutoffs():
    """This test ensures that the shipped abstain model loads, matches this version's features and
    says what it was trained on."""
    m = load_abstain()
    assert len(m.weights) == len(FEATURES)
    assert 0.0 < m.caution <= m.answer < 1.0
    assert m.trained_on
