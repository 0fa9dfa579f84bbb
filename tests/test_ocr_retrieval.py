"""Questions written about the scanned 1984 UN report A/39/361 (from its page images) find their
paragraph once the scan is read by OCR (with its own noisy text layer: fewer)."""

from __future__ import annotations

import shutil

import pytest

from ingest import ocr
from ingest.pipeline import sync
from kb.config import Settings
from kb.search.knowledge_base import KnowledgeBase
from tests.conftest import shared_path

pytestmark = [pytest.mark.integration, pytest.mark.slow,
              pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed")]

SCAN = "A_39_361.en.pdf"
OTHERS = ("A_51_595.en.pdf", "TD_B_CN.4_36.en.pdf", "S_2025_22.en.pdf")
# question -> the paragraph of A/39/361 that answers it
QUESTIONS = {
    "When did the Secretary-General meet the Foreign Minister of Indonesia and the special envoy "
    "of the President of Portugal on East Timor?": "1",
    "Through whom were direct contacts between Indonesia and Portugal on East Timor initiated in July 1983?": "6",
    "Why did the Secretary-General not submit a substantive report on East Timor to the thirty-eighth session?": "7",
    "Which programme brought families from East Timor to Australia and Portugal with ICRC?": "18",
    "Did UNHCR pay for repatriations from East Timor to Portugal?": "18",
}


def _found(kb_dir, mode, embedder):
    settings = Settings.load(kb_dir=str(kb_dir), ocr=mode)
    sync(kb_dir.parent / "docs", settings.kb_path, embedder, settings, progress=False)
    kbase = KnowledgeBase.open(settings.kb_path, settings=settings)
    found = 0
    for question, para in QUESTIONS.items():
        hits = kbase.search(question, k=3)
        found += any(h.document.file == SCAN and h.passage.para == para for h in hits)
    return found


def test_questions_on_the_scan_find_their_paragraph_after_ocr(tmp_path, real_embedder, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in (SCAN, *OTHERS):
        shutil.copy(shared_path("external", "un-documents-2025", "pdfs", name), docs / name)
    with_ocr = _found(tmp_path / "kb-ocr", "auto", real_embedder)
    without = _found(tmp_path / "kb-layer", "off", real_embedder)
    with capsys.disabled():
        print(f"\nA/39/361 questions, right paragraph in the top 3: OCR {with_ocr}/{len(QUESTIONS)}, "
              f"own text layer {without}/{len(QUESTIONS)}")
    assert with_ocr == len(QUESTIONS)
    assert with_ocr > without
