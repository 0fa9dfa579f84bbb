"""read_pdf over small PDFs generated inside the tests (see tests/pdf_factory.py)."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from pdf_factory import make_pdf  # tests/ is on sys.path under pytest

from ingest import ocr
from ingest.pdf_reader import read_pdf
from kb.errors import EmptyDocumentError, IngestError

BODY = "The committee considered the matter at length and agreed on the text of the decision"
SENTENCES = [
    "Members welcomed the progress made since the previous session.",
    "Several delegations asked for more detail on the budget.",
    "The secretariat described the training offered to staff.",
    "A working group was set up to review the reporting rules.",
    "The chair thanked the host country for its support.",
    "Observers called for closer cooperation with regional bodies.",
]


def _report_pages(n: int = 5, front: int = 2) -> list[list[str]]:
    """A report: `front` unnumbered cover pages, then pages printed 1, 2, ... with a running
    header (symbol, job number with page n/total) on every page."""
    pages = [["Cover of the report", "Prepared for testing"], ["Contents", "Foreword by the chair"]][:front]
    for k in range(1, n - front + 1):
        header = ["X/99/123", f"99-12345 {k}/{n - front}", ""] if k % 2 else ["X/99/123", f"{k}/{n - front} 99-12345", ""]
        pages.append(header + [f"{k}. {SENTENCES[k]}", SENTENCES[-k], ""])
    return pages


def test_read_pdf_gives_pages_and_printed_page_labels(tmp_path):
    """This test ensures that every Line knows its 1-based PDF page and that page_label is the
    printed page number (from 'n/total' headers) where it differs from the PDF page."""
    raw = read_pdf(make_pdf(tmp_path / "report.pdf", _report_pages()))
    assert raw.fmt == "pdf" and raw.pages == 5
    by_page = {line.page: line.page_label for line in raw.lines}
    assert by_page == {1: None, 2: None, 3: "1", 4: "2", 5: "3"}, "front matter shifts printed pages by two"
    first = next(line for line in raw.lines if line.text.startswith("2."))
    assert first.page == 4 and first.page_label == "2"


def test_lone_page_numbers_at_the_foot_are_labels_when_consistent(tmp_path):
    """This test ensures that a lone number at the bottom of consecutive pages is taken as the
    printed page (and removed from the text), because neighbouring pages agree on the offset."""
    pages = [["Title page of a study"]] + [[SENTENCES[i], "", str(i + 10)] for i in range(1, 4)]
    raw = read_pdf(make_pdf(tmp_path / "study.pdf", pages))
    assert {line.page: line.page_label for line in raw.lines} == {1: None, 2: "11", 3: "12", 4: "13"}
    assert not any(line.text.isdigit() for line in raw.lines), "page numbers are not body text"


def test_running_headers_and_job_numbers_are_removed(tmp_path):
    """This test ensures that repeated document symbols, job numbers and barcodes at page edges
    do not reach the Line text, while the body does."""
    pages = _report_pages()
    pages[2] = ["X/99/123", "99-12345 (E) 010125", "*9912345*", ""] + pages[2][3:]
    raw = read_pdf(make_pdf(tmp_path / "report.pdf", pages))
    texts = [line.text for line in raw.lines]
    assert not any("X/99/123" in t or "99-12345" in t or "*9912345*" in t for t in texts), texts
    assert sum(t.startswith(("1.", "2.", "3.")) for t in texts) == 3


def test_words_hyphenated_across_lines_are_joined(tmp_path):
    """This test ensures that 'develop-' + 'ment' becomes 'development' and that a real compound
    such as 'long-term' keeps its hyphen."""
    pages = [["The plan supports the develop-", "ment of small firms and their long-",
              "term finance in every region of the country."]]
    raw = read_pdf(make_pdf(tmp_path / "hyphen.pdf", pages))
    text = " ".join(line.text for line in raw.lines)
    assert "development of small firms" in text and "long-term finance" in text, text


def test_footnotes_are_marked_and_paragraphs_break(tmp_path):
    """This test ensures that numbered footnotes at the foot of a page become kind='footnote'
    lines and that numbered paragraphs and blank lines mark paragraph breaks."""
    pages = [["1. The Board adopted the agenda.1 It then heard the statements.",
              "2. The Board closed the session.", "", "1 See document X/99/7."]]
    raw = read_pdf(make_pdf(tmp_path / "notes.pdf", pages))
    kinds = {line.text: line.kind for line in raw.lines}
    assert kinds["1 See document X/99/7."] == "footnote"
    assert kinds["2. The Board closed the session."] == ""
    assert all(line.blank_before for line in raw.lines if line.text[:2] in ("1.", "2."))


def test_pdf_page_labels_are_used_when_meaningful(tmp_path):
    """This test ensures that roman front-matter labels stored in the PDF become page_label."""
    src = make_pdf(tmp_path / "plain.pdf", [[SENTENCES[i]] for i in range(4)])
    writer = pypdf.PdfWriter(clone_from=str(src))
    writer.set_page_label(0, 1, style="/r")
    writer.set_page_label(2, 3, style="/D", start=1)
    out = tmp_path / "labelled.pdf"
    writer.write(out)
    raw = read_pdf(out)
    assert [line.page_label for line in raw.lines] == ["i", "ii", "1", "2"]


def test_metadata_and_first_text(tmp_path):
    """This test ensures that PDF info fields, the first page's text and per-page character
    counts reach RawDocument.meta."""
    path = make_pdf(tmp_path / "meta.pdf", [["A study of clusters", BODY + "."], [BODY + " again."]],
                    info={"Title": "A study of clusters", "Author": "Jane Roe", "CreationDate": "D:20240102"})
    meta = read_pdf(path).meta
    assert meta["title"] == "A study of clusters" and meta["author"] == "Jane Roe"
    assert meta["creation_date"] == "2024-01-02"
    assert meta["first_text"].startswith("A study of clusters")
    assert len(meta["page_texts_chars"]) == 2 and meta["language"] == "en" and meta["flags"] == []


def _encrypt(src: Path, out: Path, user: str) -> Path:
    writer = pypdf.PdfWriter(clone_from=str(src))
    writer.encrypt(user_password=user, owner_password="owner-secret", algorithm="AES-128")
    writer.write(out)
    return out


def test_encrypted_pdf_with_empty_user_password_opens(tmp_path):
    """This test ensures that a PDF encrypted with an empty user password is read normally."""
    src = make_pdf(tmp_path / "plain.pdf", [[BODY + "."]])
    raw = read_pdf(_encrypt(src, tmp_path / "locked.pdf", ""))
    assert BODY in raw.lines[0].text


def test_encrypted_pdf_with_password_gives_a_clear_error(tmp_path):
    """This test ensures that a password-protected PDF raises IngestError naming the file and
    the fix, and that the right password opens it."""
    src = make_pdf(tmp_path / "plain.pdf", [[BODY + "."]])
    locked = _encrypt(src, tmp_path / "secret.pdf", "s3cret")
    with pytest.raises(IngestError) as err:
        read_pdf(locked)
    msg = str(err.value)
    assert '"secret.pdf"' in msg and "encrypted" in msg and "password" in msg and "\n" not in msg
    with pytest.raises(IngestError, match="wrong"):
        read_pdf(locked, password="nope")
    assert read_pdf(locked, password="s3cret").lines


@pytest.mark.parametrize("content,expected", [
    (b"", "empty file"),
    (b"%PDF-1.4\nthis is not really a pdf at all\n", "not a readable PDF"),
    (b"just some bytes that are not a PDF", "not a readable PDF"),
])
def test_broken_files_raise_one_line_ingest_errors(tmp_path, content, expected):
    """This test ensures that zero-byte and corrupt files raise IngestError with a one-line
    message naming the file."""
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    with pytest.raises(IngestError) as err:
        read_pdf(path)
    msg = str(err.value)
    assert '"broken.pdf"' in msg and expected in msg and "\n" not in msg


def test_image_only_pdf_raises_empty_document_error(tmp_path):
    """This test ensures that a PDF without a text layer raises EmptyDocumentError suggesting OCR."""
    with pytest.raises(EmptyDocumentError, match=r'"scan\.pdf".*OCR'):
        read_pdf(make_pdf(tmp_path / "scan.pdf", [None, None]))


def test_a_tiny_but_real_text_is_read(tmp_path):
    """This test ensures that a one-page PDF with a single short line is read, not called a scan,
    while page numbers alone on many pages are not enough text."""
    assert read_pdf(make_pdf(tmp_path / "tiny.pdf", [["Hello!"]])).lines[0].text == "Hello!"
    with pytest.raises(EmptyDocumentError):
        read_pdf(make_pdf(tmp_path / "numbers.pdf", [[str(i)] for i in range(1, 11)]))


def test_a_page_that_fails_is_skipped_with_a_warning(tmp_path, monkeypatch):
    """This test ensures that one page failing to extract leaves a warning and the other pages."""
    path = make_pdf(tmp_path / "flaky.pdf", [[BODY + " one."], [BODY + " two."], [BODY + " three."]])
    original = pypdf.PageObject.extract_text
    calls = {"n": 0}

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise ValueError("broken content stream")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pypdf.PageObject, "extract_text", flaky)
    raw = read_pdf(path, ocr_mode="off")
    assert [line.page for line in raw.lines] == [1, 3]
    assert len(raw.warnings) == 1 and "page 2" in raw.warnings[0] and "flaky.pdf" in raw.warnings[0]
    if ocr.available():  # with OCR the page is read from its image instead, and the warning says so
        calls["n"] = 0
        raw = read_pdf(path)
        assert [line.page for line in raw.lines] == [1, 2, 3]
        assert "two." in raw.lines[1].text and "read by OCR instead" in raw.warnings[0]


def test_missing_document_stub_is_flagged(tmp_path):
    """This test ensures that a one-page 'document does not exist' placeholder is flagged 'stub'."""
    path = make_pdf(tmp_path / "stub.pdf", [["Sorry: the document you are looking for does not exist here.",
                                             "Write to the archive help desk."]])
    meta = read_pdf(path).meta
    assert "stub" in meta["flags"] and meta["stub_reason"]


def test_repairs_by_pypdf_become_one_warning(tmp_path, caplog):
    """This test ensures that what pypdf logs while repairing a damaged file (here a wrong
    startxref offset) becomes one RawDocument warning naming the file, not console noise."""
    path = make_pdf(tmp_path / "damaged.pdf", [[BODY + "."]])
    data = path.read_bytes()
    head, _, _ = data.rpartition(b"startxref\n")
    path.write_bytes(head + b"startxref\n12\n%%EOF\n")
    raw = read_pdf(path)
    assert BODY in raw.lines[0].text
    assert len(raw.warnings) == 1 and '"damaged.pdf"' in raw.warnings[0] and "pypdf" in raw.warnings[0]
    assert "pypdf" not in caplog.text
