"""Document comparison: one row per document with its best passages."""

from __future__ import annotations

from answers_store import water_kb  # noqa: F401  (fixture)

from kb.answers.compare import compare
from kb.types import Filters


def test_compare_gives_one_row_per_document(water_kb):  # noqa: F811
    """This test ensures that each document addressing the topic has exactly one row with cited passages."""
    c = compare(water_kb, "What do the papers say about water metering?")
    files = [r.document.file for r in c.rows]
    assert len(files) == len(set(files))
    assert {"agency_water.pdf", "network_leaks.txt", "scholar_rivers.txt"} <= set(files)
    for row in c.rows:
        assert 1 <= len(row.passages) <= 2
        assert all(p.doc_id == row.document.doc_id for p in row.passages)
        assert len(row.references) == len(row.passages)


def test_compare_respects_filters(water_kb):  # noqa: F811
    """This test ensures that filters limit the documents compared."""
    c = compare(water_kb, "water metering", filters=Filters(publishers=("WAGENCY",)))
    assert [r.document.file for r in c.rows] == ["agency_water.pdf"]


def test_compare_json_fields(water_kb):  # noqa: F811
    """This test ensures that the compare JSON has the fields scripts rely on."""
    d = compare(water_kb, "leaks").to_dict()
    for row in d["rows"]:
        assert {"doc_file", "title", "passages"} <= row.keys()
        for p in row["passages"]:
            assert {"passage_id", "para", "page", "text"} <= p.keys()
