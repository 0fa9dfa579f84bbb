"""parse_file: one file -> one ParsedDocument, or one clear reason why not."""

from __future__ import annotations

import hashlib

import pytest

from ingest import parse
from ingest.model import Line, RawDocument
from kb.embed.encoders import HashEmbedder
from kb.errors import EmptyDocumentError, UnsupportedFileError

COUNT = HashEmbedder(64).count_tokens
BODY = "Water report\n\n1. Irrigation schemes doubled rice yields in the delta.\n\n2. Wells ran dry in the north.\n"


def test_document_id_is_the_hash_of_the_bytes(tmp_path):
    """This test ensures that the document id comes from the file's bytes, not its name."""
    (tmp_path / "a.txt").write_text(BODY)
    (tmp_path / "b.txt").write_text(BODY)
    a = parse.parse_file(tmp_path / "a.txt", "a.txt", None, COUNT)
    b = parse.parse_file(tmp_path / "b.txt", "b.txt", None, COUNT)
    sha = hashlib.sha256(BODY.encode()).hexdigest()
    assert a.document.doc_id == b.document.doc_id == sha[:16] and a.document.sha256 == sha
    assert a.document.file == "a.txt" and a.document.fmt == "text" and a.document.title
    assert [p.passage_id for p in a.passages] == [p.passage_id for p in b.passages], "ids are stable"
    assert all(p.doc_id == a.document.doc_id for p in a.passages)


@pytest.mark.parametrize("name", ["letter.docx", "scan.tiff", "README"])
def test_unsupported_file_names_itself_and_the_supported_types(tmp_path, name):
    """This test ensures that an unsupported file is refused with its name and what kb does read."""
    (tmp_path / name).write_bytes(b"something")
    with pytest.raises(UnsupportedFileError) as err:
        parse.parse_file(tmp_path / name, name, None, COUNT)
    assert name in str(err.value) and ".pdf" in str(err.value) and ".md" in str(err.value)


def test_empty_file_is_refused(tmp_path):
    """This test ensures that a zero-byte file is an EmptyDocumentError naming it."""
    (tmp_path / "empty.md").write_bytes(b"")
    with pytest.raises(EmptyDocumentError, match="empty.md"):
        parse.parse_file(tmp_path / "empty.md", "empty.md", None, COUNT)


def test_stub_pdf_is_refused_with_the_reason(tmp_path, monkeypatch):
    """This test ensures that a reader's "stub" flag (a placeholder page, not a document) skips the file."""
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4 placeholder")
    raw = RawDocument(lines=(Line("The document you want is not here", page=1),), fmt="pdf", pages=1,
                      meta={"flags": ["missing-document-stub"]})
    monkeypatch.setattr(parse, "read_raw", lambda path, name, *options: raw)
    with pytest.raises(EmptyDocumentError, match=r'"x\.pdf" holds no document text \(a placeholder page'):
        parse.parse_file(tmp_path / "x.pdf", "x.pdf", None, COUNT)
