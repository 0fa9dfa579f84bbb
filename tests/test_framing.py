"""Request-frame removal (kb.sentences.strip_framing): what ask, quote, check, compare and the
keyword side of search match against passages."""

from __future__ import annotations

import pytest

from kb.sentences import strip_framing


@pytest.mark.parametrize(("question", "topic"), [
    ("I need a quote for a training slide on why ferries run at night.", "why ferries run at night."),
    ("Give me a citation-ready sentence arguing that bees avoid sprayed fields.", "bees avoid sprayed fields."),
    ("Is it true that ferries run at night?", "ferries run at night?"),
    ("Does the report claim that cycling lanes were widened?", "cycling lanes were widened?"),
    ("Check: the harbour dues doubled in 2004.", "the harbour dues doubled in 2004."),
])
def test_strip_framing_keeps_the_topic(question, topic):
    """This test ensures that a leading request frame is removed and the topic kept."""
    assert strip_framing(question) == topic


@pytest.mark.parametrize("question", [
    "Why do bees avoid sprayed fields?",  # a question, no request frame
    "Is it true?",  # nothing but the frame: kept whole
    "Training slides for joiners in 1998",  # frame words as the topic itself
])
def test_strip_framing_leaves_other_questions_alone(question):
    """This test ensures that questions without a request frame, or made only of one, are unchanged."""
    assert strip_framing(question) == question
