"""Library operations behind the app: uploads, scoped sync, removal."""

from __future__ import annotations

import shutil

import pytest
from conftest import FIXTURES

from kb.config import Settings
from kb.embed.encoders import HashEmbedder
from kb.library.manage import add_files, remove_document, safe_upload_name, sync_folder
from kb.store.sqlite import Store

NOTE = b"# A note\n\n1. Ferry operators share a repair dock to cut costs.\n\n2. The dock opens at dawn.\n"


@pytest.fixture
def setup(tmp_path):
    folder = tmp_path / "papers"
    shutil.copytree(FIXTURES / "library", folder)
    settings = Settings.load(kb_dir=str(tmp_path / "kb"))
    emb = HashEmbedder(64)
    sync_folder(folder, settings, emb)
    return folder, settings, emb


@pytest.mark.parametrize("raw, safe", [
    ("../../etc/passwd.md", "passwd.md"),
    ("..\\..\\evil.pdf", "evil.pdf"),
    (".hidden.txt", "hidden.txt"),
    ("rapport été 2024.pdf", "rapport été 2024.pdf"),
    ("a/b/<script>.md", "_script_.md"),
    ("", "upload"),
])
def test_upload_names_are_sanitised(raw, safe):
    """This test ensures that an upload name can never point outside the uploads folder."""
    assert safe_upload_name(raw) == safe


def test_uploads_land_beside_the_folder_and_survive_its_resync(setup):
    """This test ensures that uploaded files are searchable and that re-ingesting the paper
    folder does not remove them (removal is scoped to the folder a file came from)."""
    folder, settings, emb = setup
    told = []
    report = add_files([("../ferry.md", NOTE), ("notes.docx", b"PK\x03\x04"), ("empty.txt", b"")], settings, emb,
                       on_file=lambda d, t, name, outcome: told.append((name, outcome)))
    assert report.added == 1
    assert {f for f, _ in report.skipped} == {"uploads/notes.docx", "uploads/empty.txt"}
    assert all(reason for _, reason in report.skipped), "every skip has a reason"
    assert any(name == "uploads/ferry.md" for name, _ in told)
    assert (settings.kb_path / "uploads" / "ferry.md").exists()
    again = sync_folder(folder, settings, emb)
    assert again.removed == 0 and again.unchanged == 2
    with Store.open(settings.kb_path) as store:
        assert "uploads/ferry.md" in {d.file for d in store.documents()}
        assert store.keyword_search(["ferry"], 5), "the upload is searchable"


def test_remove_document_deletes_upload_and_index_rows(setup):
    """This test ensures that removing an uploaded document drops its passages, vectors and file."""
    _, settings, emb = setup
    add_files([("ferry.md", NOTE)], settings, emb)
    remove_document("uploads/ferry.md", settings)
    assert not (settings.kb_path / "uploads" / "ferry.md").exists()
    with Store.open(settings.kb_path) as store:
        assert "uploads/ferry.md" not in {d.file for d in store.documents()}
        assert store.keyword_search(["ferry"], 5) == []
        assert store.index.size == store.passage_count()
