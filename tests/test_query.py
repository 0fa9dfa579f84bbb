"""Request-frame removal for the dense side's query (kb.query)."""

from __future__ import annotations

import pytest

from kb.query import strip_framing


@pytest.mark.parametrize(("query", "topic"), [
    ("I want one sentence for my notes: bees avoid sprayed fields.", "bees avoid sprayed fields."),
    ("Is it true that ferries run at night?", "ferries run at night?"),
    ("Is it the case that lanes were widened", "lanes were widened"),
    ("According to the 2019 plan, how many lanes were built?", "how many lanes were built?"),
    ("What does the report say about night ferries?", "night ferries?"),
])
def test_strip_framing_keeps_the_topic(query, topic):
    """This test ensures that a leading request frame is removed and the topic kept."""
    assert strip_framing(query) == topic


@pytest.mark.parametrize("query", [
    "Ribosomal protein S6: a kinase target",  # a colon inside content, no request lead-in
    "Why do bees avoid sprayed fields?",
    "Please:",  # nothing but the frame
    "",
])
def test_strip_framing_leaves_other_queries_alone(query):
    """This test ensures that queries without a request frame, or made only of one, are unchanged."""
    assert strip_framing(query) == query.strip()
