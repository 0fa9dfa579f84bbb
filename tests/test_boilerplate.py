"""Boilerplate is never evidence: reference lists, contents, cover pages, editorial marks, endnote
lists and questions; and a quote must treat the topic it was asked for."""

from __future__ import annotations

import numpy as np
import pytest
from answers_store import water_kb  # noqa: F401  (fixture)

from kb import sentences
from kb.answers import quotes, slots
from kb.answers.evidence import ScoredSentence
from kb.sentences import Span


@pytest.mark.parametrize("sentence", [
    "WAGENCY (2003b). Pricing and Metering of Urban Water.",
    "Lima A. and Berg T. (2011) Rivers and Reservoirs in Dry Lands.",
    "Sand, P. 2015. Leak detection, Journal of Pipes, Vol. 4, pp. 12-30.",
    "Berg T. (2009), Irrigation by turns, Working Paper No. 7, http://example.org/turns.",
])
def test_reference_entries_are_recognised(sentence):
    """This test ensures that bibliography entries in several styles are taken for references."""
    assert sentences.is_reference(sentence)


def test_reference_list_section_is_not_evidence():
    """This test ensures that any sentence under a 'Reference list' heading is a reference."""
    assert sentences.is_reference("Metering saves water in towns.", "REFERENCE LIST")


@pytest.mark.parametrize(("sentence", "section"), [
    ("Introduction: Water in Cities 3 Ana Lima 1 Metering Households 18 Tom Berg 2 Leaks 40 Pia Sand", ""),
    ("1. Metering households .......... 12\n2. Tariffs . . . . . . 19", ""),
    ("All rights reserved.", ""),
    ("ISBN 978-0-00-000000-0 paperback edition of the water book", ""),
    ("URBAN WATER PRICING: AN ASSESSMENT OF TARIFFS", ""),
    ("Note by the Water Agency secretariat", ""),
    ("AQ3", ""),
    ("AQ1: please check the year of the survey here.", ""),
    ("5 See Sand (2015).", ""),
    ("12. Lima (2011) and Berg (2009).", ""),
    ("Why should towns meter every household?", ""),
    ("The agency thanks the towns that answered the survey.", "I. PREFACE"),
    ("The agency thanks the towns that answered the survey.", "Foreword"),
])
def test_boilerplate_sentences_are_not_evidence(sentence, section):
    """This test ensures that contents lines, cover lines, editorial marks, citing notes, questions and
    preface text are boilerplate."""
    assert sentences.is_boilerplate(sentence, section)


@pytest.mark.parametrize("sentence", [
    "Meters cut consumption by 15 per cent (Lima, 2011).",
    "Porter (1990) argues that clusters raise the productivity of small firms.",
    "Prices rose in 2004 and fell again in 2009 as the towns cut leaks....The towns then grew.",
    "8 For the costs of leak repairs in small towns and the ways to pay for them see Sand (2015).",
    "Wednesday 4th May 2011 – Tariffs and Meters Dr Ana Lima - River Institute",
])
def test_statements_are_kept(sentence):
    """This test ensures that statements citing a source, prose with years, and a dated speaker line stay
    evidence, while a note that only points to a source does not."""
    expected = sentence.startswith("8 For")
    assert sentences.is_boilerplate(sentence, "Findings") is expected


def test_endnote_list_passage_gives_no_evidence():
    """This test ensures that a passage made of citing notes yields no sentence, and a prose passage keeps
    its statements but drops the one an editor's query mark opens."""
    notes = "12. Lima (2011). 13. Berg (2009) and Sand (2015). 14. Meters are read each month by the town."
    assert sentences.evidence_spans(notes) == []
    text = "Meters cut use by a sixth in two years. AQ2 Old pipes leak at every joint in the town."
    kept = [s.of(text) for _, s in sentences.evidence_spans(text)]
    assert kept == ["Meters cut use by a sixth in two years."]


def test_kind_question_does_not_ask_for_an_amount():
    """This test ensures that 'what kind of' questions mentioning a share do not demand a number."""
    assert not slots.wants_quantity("What kind of goods do a large share of clusters make?")
    assert slots.wants_quantity("What share of households have meters?")


def _s(start: int, end: int, sim: float, kw: float = 0.0) -> ScoredSentence:
    return ScoredSentence(0, Span(start, end), "x" * (end - start), sim, sim, kw)


def test_quote_window_does_not_bridge_a_dropped_sentence():
    """This test ensures that a quote never spans a sentence left out between two kept ones."""
    window = quotes.best_window([_s(0, 40, 1.0), _s(70, 110, 1.0)])
    assert len(window) == 1


def test_quote_must_treat_the_topic():
    """This test ensures that a quote close to the topic in meaning or holding most of its words passes,
    and one sharing a common word only does not."""
    assert quotes.on_topic([_s(0, 40, 0.5)])
    assert quotes.on_topic([_s(0, 40, 0.1, kw=0.7)])
    assert not quotes.on_topic([_s(0, 40, 0.05, kw=0.2)])


def _unrelated(dim: int):
    """An encoder under which the first text (the request) and all others are unrelated (cosine 0)."""

    def encode(texts, batch_size: int = 32, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), dim), dtype=np.float32)
        out[:, 1] = 1.0
        out[0, 1], out[0, 0] = 0.0, 1.0
        return out

    return encode


def test_off_topic_request_gets_no_quote(water_kb, monkeypatch):  # noqa: F811
    """This test ensures that a request the documents do not treat returns no quotes and a one-line
    message, while a request whose rare words the passages hold is still quoted."""
    monkeypatch.setattr(water_kb.embedder, "encode", _unrelated(water_kb.embedder.dim))
    assert quotes.find_quotes(water_kb, "boiling point of mercury") == []
    message = quotes.format_quotes([])
    assert "do not treat" in message and "\n" not in message
    assert quotes.find_quotes(water_kb, "flat-rate tariffs")


def test_paragraph_with_a_source_line_is_not_a_reference_entry():
    """This test ensures that a long paragraph ending on a figure's "Source: ..., https://..." line
    (a year, a web address and a year range) is not taken for a reference entry, while the same
    source line alone still is."""
    source = "Source: Water Indicators Database, 2015–2023, available at https://example.org/water/db."
    paragraph = ("The share of households with a meter rose from 11 per cent in 2015 to 13 per cent in 2023, "
                 "well below the regional average of 28 per cent. Towns that billed by volume saw use fall "
                 "within two years, while towns on flat rates saw no change at all over the same period. "
                 "Figure II Share of households with a meter, 2015–2023 ") + source
    assert sentences.is_reference(source)
    assert not sentences.is_reference(paragraph)
