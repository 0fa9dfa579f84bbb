"""Verified quotes: windows of sentences, exact substrings, fail closed."""

from __future__ import annotations

from dataclasses import replace

from answers_store import water_kb  # noqa: F401  (fixture)

from kb.answers.evidence import ScoredSentence
from kb.answers.quotes import best_window, find_quotes, window_text
from kb.sentences import split_sentences

TEXT = ("Meters let utilities bill for real use. Households with meters use less water. "
        "Old pipes leak at every joint in town. Repairs are costly for small towns.")


def _scored(scores: list[float]) -> list[ScoredSentence]:
    spans = split_sentences(TEXT)
    return [ScoredSentence(0, sp, sp.of(TEXT), sc, sc, 0.0) for sp, sc in zip(spans, scores)]


def test_best_window_extends_to_strong_neighbours_only():
    """This test ensures that a quote grows to a neighbour that scores close to the best sentence, and no further."""
    window = best_window(_scored([0.9, 1.0, 0.2, 0.1]))
    assert window_text(TEXT, window) == "Meters let utilities bill for real use. Households with meters use less water."


def test_best_window_respects_length_limits():
    """This test ensures that a quote never exceeds the sentence and character limits."""
    window = best_window(_scored([1.0, 1.0, 1.0, 1.0]), max_sentences=2)
    assert len(window) == 2
    assert best_window(_scored([1.0, 1.0, 1.0, 1.0]), max_chars=45) == [_scored([1.0, 1.0, 1.0, 1.0])[0]]


def test_quotes_are_verbatim_with_references(water_kb):  # noqa: F811
    """This test ensures that every quote is an exact substring of its stored passage and has a reference."""
    quotes = find_quotes(water_kb, "I need a quote on why flat-rate tariffs waste water", k=4)
    assert quotes
    for q in quotes:
        assert q.quote in water_kb.store.passage(q.passage.passage_id).text
        assert q.reference.endswith(".")
    top = quotes[0]
    assert top.quote.startswith("Flat-rate tariffs")
    assert top.reference.endswith("(WA/R/12), para. 5, p. 2.")


def test_quotes_from_text_files_have_no_page(water_kb):  # noqa: F811
    """This test ensures that quotes from documents without pages or paragraphs carry neither in the reference."""
    quotes = find_quotes(water_kb, "farm ponds versus large dams", k=2)
    pond = next(q for q in quotes if "ponds" in q.quote)
    assert "p." not in pond.reference and "para." not in pond.reference


def test_quote_that_is_not_in_the_store_is_never_shown(water_kb, monkeypatch):  # noqa: F811
    """This test ensures that a quote whose text differs from the stored passage is dropped (fail closed)."""
    real = water_kb.search

    def altered(query, k=10, filters=None):
        hits = real(query, k=k, filters=filters)
        return [replace(h, passage=replace(h.passage, text=h.passage.text.replace("water", "juice")))
                for h in hits]

    monkeypatch.setattr(water_kb, "search", altered)
    quotes = find_quotes(water_kb, "flat-rate tariffs and water", k=5)
    for q in quotes:
        assert q.quote in water_kb.store.passage(q.passage.passage_id).text
    assert all("juice" not in q.quote for q in quotes)


def test_quote_json_fields(water_kb):  # noqa: F811
    """This test ensures that quote JSON has the fields scripts rely on."""
    for q in find_quotes(water_kb, "acoustic leak sensors", k=2):
        assert {"quote", "passage_id", "doc_file", "para", "page", "reference"} <= q.to_dict().keys()
