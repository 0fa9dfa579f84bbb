"""Two-column pages read column by column: a sentence comes out whole, and a column's text does
not interleave with its neighbour's (the JIU note among the UN PDFs, a two-column paper)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from tests.conftest import shared_path

pytestmark = pytest.mark.integration


@cache
def _body(*parts: str) -> str:
    from ingest.pdf_reader import read_pdf
    from ingest.structure import to_blocks

    blocks = to_blocks(read_pdf(Path(shared_path(*parts))))
    return " ".join(" ".join(b.text.split()) for b in blocks)


def test_the_jiu_notes_two_columns_come_out_in_order():
    body = _body("external", "un-documents-2025", "pdfs", "JIU_NOTE_2022_1_Rev.1_review.en.pdf")
    left_end = body.find("an overall failure to allocate necessary resources for capacity to do so.")
    right = body.find("The review highlights the importance of the responsibility of all personnel in "
                      "addressing racism and racial discrimination.")
    assert 0 <= left_end < right


def test_a_two_column_paper_keeps_its_sentences_whole():
    body = _body("external", "unstructured-example-pdfs", "pdf", "multi-column.pdf")
    # hyphenated across the narrow column's lines, rejoined
    assert "Open-domain question answering relies on efficient passage retrieval to select candidate contexts" in body
    left = body.find("Although reducing open-domain QA to machine reading is a very reasonable strategy, a huge "
                     "performance degradation is often observed in practice")
    right = body.find("Retrieval in open-domain QA is usually implemented using TF-IDF or BM25")
    assert 0 <= left < right
