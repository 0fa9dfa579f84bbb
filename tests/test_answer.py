"""Sentence splitting and scoring, and the extractive `ask`."""

from __future__ import annotations

import pytest
from answers_store import water_kb  # noqa: F401  (fixture)

from kb.answers.ask import ask, compose, select_sentences
from kb.answers.evidence import ScoredSentence, gaps
from kb.answers.slots import has_quantity
from kb.sentences import Span, content_words, is_reference, split_sentences, stem, strip_framing
from kb.types import NOT_ANSWERED


@pytest.mark.parametrize(("text", "expected"), [
    ("One idea is written here. Another idea is over there.", ["One idea is written here.",
                                                                "Another idea is over there."]),
    ("Firms grow, e.g. in Italy and Spain. Then they export goods.", ["Firms grow, e.g. in Italy and Spain.",
                                                                      "Then they export goods."]),
    ("Costs fell by 1.5 per cent in 2001. Prices rose.", ["Costs fell by 1.5 per cent in 2001. Prices rose."]),
    ("As J. Smith wrote in his study, it works. Yes it does work well.",
     ["As J. Smith wrote in his study, it works.", "Yes it does work well."]),
    ("18. Numbered paragraphs keep their number. Fine.", ["18. Numbered paragraphs keep their number. Fine."]),
])
def test_split_sentences_handles_abbreviations_and_short_pieces(text, expected):
    """This test ensures that abbreviations, initials and numbers do not end a sentence and short pieces merge."""
    assert [s.of(text) for s in split_sentences(text)] == expected


def test_sentence_spans_are_exact_substrings():
    """This test ensures that every sentence span is an exact slice of the passage text."""
    text = "  First sentence is here.\n\nSecond one   follows! Third?  "
    for span in split_sentences(text, min_chars=1):
        assert span.of(text) in text and span.of(text) == span.of(text).strip()


def test_stem_matches_inflections():
    """This test ensures that simple inflections share a stem (clusters/cluster, policies/policy)."""
    assert stem("clusters") == stem("cluster")
    assert stem("policies") == stem("policy")
    assert stem("upgrading") == stem("upgrade")


@pytest.mark.parametrize(("question", "topic"), [
    ("I need a quote on why ponds are cheap.", "why ponds are cheap."),
    ("I need a quote for a workshop slide: meters save water.", "meters save water."),
    ("Give me a citation-ready sentence arguing that tariffs matter.", "tariffs matter."),
    ("Is it true that the report favours meters?", "the report favours meters?"),
    ("Does the report claim that meters save water?", "meters save water?"),
    ("What is a tariff?", "What is a tariff?"),
    ("For a board meeting, give me the agency's exact wording on meter rollout.", "meter rollout."),
    ("Quote the agency's rule on tariffs.", "the agency's rule on tariffs."),
    ("Check this: the city cut leaks by half.", "the city cut leaks by half."),
    ("For what purpose are meters installed?", "For what purpose are meters installed?"),
])
def test_strip_framing_keeps_the_topic(question, topic):
    """This test ensures that request phrasing is removed and plain questions are left alone."""
    assert strip_framing(question) == topic


def test_content_words_drop_stopwords():
    """This test ensures that function words and request words are not content words."""
    assert content_words("What does the paper say about water meters?") == ["water", "meters"]


def _s(i: int, start: int, text: str, score: float) -> ScoredSentence:
    return ScoredSentence(hit_index=i, span=Span(start, start + len(text)), text=text, score=score,
                          similarity=score, keyword=0.0)


def test_select_sentences_limits_per_passage_and_weak_ones():
    """This test ensures that selection keeps at most two sentences per passage and drops weak or repeated ones."""
    scored = [_s(0, 0, "A first strong sentence here.", 1.0), _s(0, 40, "A second strong sentence here.", 0.95),
              _s(0, 80, "A third strong sentence here..", 0.9), _s(1, 0, "A first strong sentence here.", 0.9),
              _s(2, 0, "A weak sentence from elsewhere.", 0.3)]
    chosen = select_sentences(scored, max_sentences=4, per_passage=2, min_ratio=0.7)
    assert [(s.hit_index, s.span.start) for s in chosen] == [(0, 0), (0, 40)]


def test_ask_answers_with_markers_and_only_cited_sources(water_kb):  # noqa: F811
    """This test ensures that an answer's sentences carry [n] markers and the citations are those used."""
    answer = ask(water_kb, "How can leaks in water mains be located?")
    assert answer.answered
    assert "[1]" in answer.text
    used = {int(n) for n in __import__("re").findall(r"\[(\d+)\]", answer.text)}
    assert used == {c.n for c in answer.citations}
    first = answer.citations[0]
    assert first.passage.text.startswith("Acoustic sensors")
    for sentence in answer.text.split(" [")[0:1]:
        assert sentence in first.passage.text


def test_ask_is_deterministic(water_kb):  # noqa: F811
    """This test ensures that the same question gives the same answer twice."""
    q = "Do household meters reduce consumption?"
    assert ask(water_kb, q).to_dict() == ask(water_kb, q).to_dict()


def test_ask_says_when_documents_do_not_answer(water_kb):  # noqa: F811
    """This test ensures that weak evidence gives the plain not-answered sentence and related reading."""
    answer = ask(water_kb, "Which orchestra premiered the symphony in Vienna?", threshold=0.7)
    assert not answer.answered
    assert answer.text == NOT_ANSWERED
    assert answer.citations == () and len(answer.related) >= 1


def test_ask_json_has_required_fields(water_kb):  # noqa: F811
    """This test ensures that the answer JSON has the fields scripts rely on."""
    d = ask(water_kb, "What do flat-rate tariffs hide?").to_dict()
    assert {"answer", "answered", "citations"} <= d.keys()
    for c in d["citations"]:
        assert {"n", "passage_id", "doc_file", "para", "page", "page_label", "text", "reference"} <= c.keys()


def test_compose_numbers_sources_by_first_use(water_kb):  # noqa: F811
    """This test ensures that sources are numbered in the order the answer first cites them."""
    hits = water_kb.search("water", k=3)
    text, cites = compose([_s(2, 0, "Third passage.", 1.0), _s(0, 0, "First passage.", 0.9),
                           _s(2, 20, "Again third.", 0.8)], hits)
    assert text == "Third passage. [1] First passage. [2] Again third. [1]"
    assert [c.passage.passage_id for c in cites] == [hits[2].passage.passage_id, hits[0].passage.passage_id]


@pytest.mark.parametrize(("text", "expected"), [
    ("By 2001 more than 3,000 firms had joined.", True),
    ("The wait is 0.7 years on average.", True),
    ("Nearly half of the towns agreed.", True),
    ("Recalls its resolution 2696 (2023) on the matter.", False),
    ("67. The board considered the matter.", False),
    ("See para. 12 and annex 3 of the report.", False),
])
def test_has_quantity_ignores_years_and_identifiers(text, expected):
    """This test ensures that amounts count as quantities but years, resolution and paragraph numbers do not."""
    assert has_quantity(text) is expected


def test_gaps_flag_missing_amounts_and_unknown_names():
    """This test ensures that a how-many question without an amount in the best sentences, or a question
    naming something the documents never mention, is reported as a gap."""
    no_amount = [_s(0, 0, "Meters were installed in many towns of the region.", 1.0)]
    assert gaps("How many meters were installed?", no_amount)
    assert not gaps("How many meters were installed?", [_s(0, 0, "About 4,000 meters were installed.", 1.0)])
    assert not gaps("Why were meters installed?", no_amount)
    assert gaps("Why were meters installed in Atlantis?", no_amount, unknown=("Atlantis",))


@pytest.mark.parametrize(("sentence", "section", "expected"), [
    ('Lima, A. and Berg, T. (2011), "Rivers and Reservoirs", River Press.', "", True),
    ('\u2022 Sand P. (2015), "Leak Detection Networks", Grid Institute.', "", True),
    ("Meters cut consumption by 15 per cent (Lima, 2011).", "Findings", False),
    ("Meters cut consumption by 15 per cent.", "Annex > References", True),
])
def test_reference_list_entries_are_not_evidence(sentence, section, expected):
    """This test ensures that bibliography entries and reference sections are never used as answer sentences."""
    assert is_reference(sentence, section) is expected
