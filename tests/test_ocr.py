"""Scanned pages are read by OCR (Tesseract) where the text layer is missing or garbled; their
references say so; pages with a good text layer are never OCR'd; without Tesseract, as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ocr, pdf_reader
from ingest.pdf_reader import _page_ranges, read_pdf
from kb.answers.cite import full_reference, read_by_ocr, short_reference
from kb.config import Settings
from kb.errors import ConfigError, EmptyDocumentError
from kb.types import Document, Passage
from tests.conftest import shared_path
from tests.pdf_factory import make_pdf

needs_tesseract = pytest.mark.skipif(not ocr.available(), reason="Tesseract is not installed (apt-get install tesseract-ocr)")

LINES = ["1. The committee met in Geneva in March to review the fishing quotas.",
         "",
         "2. Members agreed that the quotas for the northern waters should be cut by",
         "one third over the next five years, starting with the coastal fleets."]


def _scan(tmp_path: Path, lines: list[str]) -> Path:
    """A PDF whose only page is an image of `lines` (no text layer), as a scanner makes it."""
    import pypdfium2

    text_pdf = make_pdf(tmp_path / "text.pdf", [lines])
    doc = pypdfium2.PdfDocument(str(text_pdf))
    image = doc[0].render(scale=200 / 72, grayscale=True).to_pil()
    doc.close()
    out = tmp_path / "scan.pdf"
    image.save(out, "PDF", resolution=200)
    return out


def _doc(flags: tuple[str, ...]) -> Document:
    return Document(doc_id="d", file="a.pdf", sha256="0" * 64, title="Fishing quotas", symbol="A/39/1",
                    publisher="United Nations", year=1984, flags=flags)


def test_ocr_pages_are_recorded_as_ranges_and_named_in_references():
    assert _page_ranges([1, 2, 3, 7, 9, 10]) == "1-3,7,9-10"
    doc = _doc(("ocr", "ocr-pages:1-3,7"))
    on_scan = Passage(passage_id="p", doc_id="d", seq=0, text="t", para="2", page_start=2, page_end=2)
    elsewhere = Passage(passage_id="q", doc_id="d", seq=1, text="t", para="9", page_start=5, page_end=5)
    assert read_by_ocr(doc, on_scan) and not read_by_ocr(doc, elsewhere)
    assert short_reference(doc, on_scan).endswith("para. 2, p. 2 (text read by OCR)")
    assert full_reference(doc, on_scan).endswith("(Text read by OCR.)")
    assert "OCR" not in short_reference(doc, elsewhere)
    assert "OCR" not in short_reference(_doc(()), on_scan)


def test_the_ocr_setting_is_checked():
    assert Settings.load(ocr="off").ocr == "off"
    with pytest.raises(ConfigError, match="auto or off"):
        Settings.load(ocr="sometimes")


def test_a_good_text_layer_is_never_ocrd(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("OCR ran on a page with a good text layer")

    pytest.importorskip("pypdfium2")
    from pypdf import PdfReader, PdfWriter

    # a page that draws an image (as a scan with an OCR layer does) under a good text layer
    writer = PdfWriter(clone_from=make_pdf(tmp_path / "a.pdf", [LINES * 6]))
    writer.pages[0].merge_page(PdfReader(_scan(tmp_path, LINES)).pages[0])
    both = tmp_path / "both.pdf"
    with both.open("wb") as fh:
        writer.write(fh)
    assert pdf_reader._has_image(PdfReader(both), 0)
    monkeypatch.setattr(ocr, "read_pages", boom)
    monkeypatch.setattr(ocr, "available", lambda: True)
    raw = read_pdf(both)
    assert "ocr" not in raw.meta["flags"]
    assert raw.lines[0].text.startswith("1. The committee met in Geneva")


def test_without_tesseract_a_scan_is_reported_with_the_fix(tmp_path, monkeypatch):
    pytest.importorskip("pypdfium2")
    scan = _scan(tmp_path, LINES)
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(EmptyDocumentError, match=r'"scan.pdf".*install Tesseract'):
        read_pdf(scan)
    with pytest.raises(EmptyDocumentError, match=r"run OCR first"):
        read_pdf(scan, ocr_mode="off")


@needs_tesseract
def test_a_scanned_page_is_read_by_ocr_into_numbered_paragraphs(tmp_path):
    raw = read_pdf(_scan(tmp_path, LINES))
    assert raw.meta["flags"][:2] == ["ocr", "ocr-pages:1"]
    text = " ".join(line.text for line in raw.lines)
    assert "The committee met in Geneva in March to review the fishing quotas." in text
    assert "cut by one third over the next five years" in text


@needs_tesseract
def test_ocr_runs_no_longer_than_its_budget(tmp_path):
    scan = _scan(tmp_path, LINES)
    with pytest.raises(EmptyDocumentError, match="raise KB_FILE_TIMEOUT"):
        read_pdf(scan, ocr_seconds=-1)  # the deadline has passed before the first page


@needs_tesseract
def test_ocr_word_accuracy_on_transcribed_scans():
    """Hand transcriptions of six scanned pages (tests/fixtures/ocr): OCR gives at least 95% of
    their words in order (the 1984 UN scan's own text layer: about 82%)."""
    import bench.ocr_accuracy as acc

    shared = shared_path()
    got, total = 0.0, 0
    for name, pdf, page, reference in acc.pages(Path(shared)):
        text = ocr.read_pages(pdf, [page], "en", float("inf"))[page]
        n = len(acc.words(reference))
        got += acc.word_accuracy(reference, text) * n
        total += n
    assert total > 2000
    assert got / total >= 0.95


@needs_tesseract
def test_the_noisy_1984_un_scan_is_replaced_by_ocr_text():
    pdf = shared_path("external", "un-documents-2025", "pdfs", "A_39_361.en.pdf")
    raw = read_pdf(Path(pdf))
    assert "ocr-pages:1-4" in raw.meta["flags"] and "scanned-ocr" not in raw.meta["flags"]
    text = " ".join(line.text for line in raw.lines)
    assert "Upon assuming my responsibilities at the beginning of 1982" in text
    assert pdf_reader.quality.looks_like_noisy_ocr(text, "en") is False


def test_emblem_scraps_on_an_ocrd_first_page_are_dropped():
    from ingest.ocr import clean_first_page

    got = clean_first_page(["UNITED", "NATIONS", "(RY General Assembly", "Ns Uh", "Distr.", "(a)", "1.",
                            "A/39/361", "Item 108 of the provisional agenda*"])
    assert got == ["UNITED", "NATIONS", "General Assembly", "Distr.", "(a)", "1.", "A/39/361",
                   "Item 108 of the provisional agenda*"]


@needs_tesseract
def test_a_scan_skipped_without_tesseract_is_read_once_tesseract_is_there(tmp_path, monkeypatch):
    from ingest.pipeline import sync
    from kb.embed.encoders import HashEmbedder

    folder = tmp_path / "papers"
    folder.mkdir()
    _scan(tmp_path, LINES).rename(folder / "scan.pdf")
    settings = Settings.load(kb_dir=str(tmp_path / "kb"))
    monkeypatch.setattr(ocr, "available", lambda: False)
    report = sync(folder, settings.kb_path, HashEmbedder(dim=64), settings, progress=False)
    assert report.added == 0 and "install Tesseract" in report.skipped[0][1]
    monkeypatch.undo()
    report = sync(folder, settings.kb_path, HashEmbedder(dim=64), settings, progress=False)
    assert report.added == 1, report.skipped


def test_an_ocr_failure_keeps_the_text_layer_with_a_warning(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("tesseract crashed")

    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "read_pages", broken)
    monkeypatch.setattr(pdf_reader, "_has_image", lambda reader, i: True)
    monkeypatch.setattr(pdf_reader.quality, "looks_like_noisy_ocr", lambda text, lang: True)
    raw = read_pdf(make_pdf(tmp_path / "a.pdf", [LINES]))
    assert raw.lines[0].text.startswith("1. The committee met")
    assert any("OCR of \"a.pdf\" failed (tesseract crashed)" in w for w in raw.warnings)
