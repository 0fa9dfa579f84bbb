"""The sync pipeline: incremental by content, one bad file never stops a batch."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from ingest import parse
from ingest.pipeline import scan_folder, sync
from kb.config import Settings
from kb.embed.encoders import HashEmbedder
from kb.store.sqlite import Store

TEXTS = {
    "alpha.txt": "Alpha report\n\n1. Tariffs on imported steel fell sharply after the reform.\n\n"
                 "2. Exporters of steel gained new markets in the region.\n",
    "beta.md": "# Beta study\n\nClusters of small firms share suppliers and skilled workers.\n\n"
               "Local banks lend to clusters with joint guarantees.\n",
    "sub/gamma.txt": "Gamma note\n\nFisheries quotas protect coastal communities from overfishing.\n",
}


class CountingEmbedder(HashEmbedder):
    """The fake embedder, counting what it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(dim=64)
        self.calls = 0
        self.texts: list[str] = []

    def encode(self, texts, batch_size=32, progress=False):
        self.calls += 1
        self.texts.extend(texts)
        return super().encode(texts, batch_size, progress)


def _write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, body in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")


def _bump_mtime(path: Path) -> None:
    st = path.stat()
    os.utime(path, (st.st_atime, st.st_mtime + 10))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    f = tmp_path / "papers"
    _write(f, TEXTS)
    return f


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings.load(kb_dir=str(tmp_path / "kb"), file_timeout=30.0)


def _sync(folder: Path, settings: Settings, emb=None, **kw):
    return sync(folder, settings.kb_path, emb or CountingEmbedder(), settings, progress=False, **kw)


def _keyword_files(store: Store, word: str) -> set[str]:
    rowids = [r for r, _ in store.keyword_search([word], 10)]
    return {store.document(p.doc_id).file for p in store.passages_by_rowid(rowids).values()}


def test_first_sync_adds_every_file(folder, settings):
    """This test ensures that a first sync adds every supported file, with passages in both indexes."""
    report = _sync(folder, settings)
    assert (report.added, report.updated, report.removed, report.unchanged) == (3, 0, 0, 0)
    assert report.skipped == [] and report.passages_written == report.passages > 0
    with Store.open(settings.kb_path) as store:
        assert sorted(d.file for d in store.documents()) == ["alpha.txt", "beta.md", "sub/gamma.txt"]
        assert _keyword_files(store, "fisheries") == {"sub/gamma.txt"}, "nested folders are walked"
        assert store.index.size == store.passage_count()


def test_unchanged_run_embeds_nothing(folder, settings):
    """This test ensures that a re-run over unchanged files parses and embeds nothing."""
    _sync(folder, settings)
    emb = CountingEmbedder()
    report = _sync(folder, settings, emb)
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 0, 0, 3)
    assert emb.calls == 0 and report.passages_written == 0


def test_new_mtime_same_bytes_is_unchanged(folder, settings):
    """This test ensures that a touched file with the same bytes is recognised by its hash."""
    _sync(folder, settings)
    _bump_mtime(folder / "alpha.txt")
    emb = CountingEmbedder()
    assert _sync(folder, settings, emb).unchanged == 3
    assert emb.calls == 0
    assert _sync(folder, settings, emb).unchanged == 3, "the new mtime was recorded"


def test_changed_file_is_reembedded_alone(folder, settings):
    """This test ensures that editing one file re-embeds only that file and replaces its old passages."""
    _sync(folder, settings)
    (folder / "beta.md").write_text("# Beta study\n\nVolcanic soils suit coffee growers.\n", encoding="utf-8")
    _bump_mtime(folder / "beta.md")
    emb = CountingEmbedder()
    report = _sync(folder, settings, emb)
    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    assert emb.texts and all("steel" not in t and "Fisheries" not in t for t in emb.texts)
    with Store.open(settings.kb_path) as store:
        assert _keyword_files(store, "clusters") == set(), "the old version is gone"
        assert _keyword_files(store, "volcanic") == {"beta.md"}
        assert len(store.documents()) == 3 and store.index.size == store.passage_count()


def test_deleted_file_leaves_both_indexes(folder, settings):
    """This test ensures that a file deleted from the folder disappears from keyword and vector search."""
    _sync(folder, settings)
    (folder / "alpha.txt").unlink()
    report = _sync(folder, settings)
    assert report.removed == 1 and report.unchanged == 2
    with Store.open(settings.kb_path) as store:
        assert _keyword_files(store, "steel") == set()
        assert store.index.size == store.passage_count()
        ids, _ = store.index.search(HashEmbedder(64).encode(["tariffs on imported steel"])[0], 10)
        files = {store.document(p.doc_id).file for p in store.passages_by_rowid(map(int, ids)).values()}
        assert "alpha.txt" not in files


def test_identical_files_are_one_document(folder, settings):
    """This test ensures that two files with the same bytes become one document with an alias."""
    shutil.copy(folder / "alpha.txt", folder / "copy-of-alpha.txt")
    report = _sync(folder, settings)
    assert report.added == 3 and report.duplicates == [("copy-of-alpha.txt", "alpha.txt")]
    with Store.open(settings.kb_path) as store:
        doc = store.find_document("copy-of-alpha.txt")
        assert doc.file == "alpha.txt" and doc.aliases == ("copy-of-alpha.txt",)
    shutil.copy(folder / "beta.md", folder / "beta-again.md")
    emb = CountingEmbedder()
    report = _sync(folder, settings, emb)
    assert report.duplicates == [("beta-again.md", "beta.md")] and emb.calls == 0
    (folder / "alpha.txt").unlink()
    report = _sync(folder, settings)
    with Store.open(settings.kb_path) as store:
        assert report.removed == 1 and _keyword_files(store, "steel") == {"copy-of-alpha.txt"}, \
            "the document stays while another file holds its bytes"


def test_renamed_file_is_not_reembedded(folder, settings):
    """This test ensures that moving a file keeps its passages without embedding them again."""
    _sync(folder, settings)
    (folder / "alpha.txt").rename(folder / "alpha-renamed.txt")
    emb = CountingEmbedder()
    report = _sync(folder, settings, emb)
    assert emb.calls == 0 and report.removed == 1 and report.added == 1
    with Store.open(settings.kb_path) as store:
        assert _keyword_files(store, "steel") == {"alpha-renamed.txt"}


def test_bad_files_are_skipped_with_reasons(folder, settings):
    """This test ensures that empty, broken and unsupported files are skipped with a reason naming
    them, while the good files land."""
    _write(folder, {"empty.pdf": b"", "garbage.pdf": b"%PDF-1.4 this is not really a pdf \x00\xff" * 20,
                    "letter.docx": b"PK\x03\x04 not supported", "blank.txt": "   \n\n  \n",
                    ".hidden.txt": "hidden files are ignored", "catalog.csv": "file,title\n",
                    "README.md": "# About this folder\n\nPapers on trade.\n"})
    report = _sync(folder, settings)
    assert report.added == 3
    reasons = dict(report.skipped)
    assert set(reasons) == {"empty.pdf", "garbage.pdf", "letter.docx", "blank.txt", "README.md"}
    for name, reason in reasons.items():
        assert name in reason, f"the reason names the file: {reason}"
        assert "\n" not in reason
    assert ".docx" in reasons["letter.docx"] and ".pdf" in reasons["letter.docx"], "it lists what kb reads"
    again = _sync(folder, settings)
    assert dict(again.skipped).keys() == reasons.keys(), "skips are reported on every run"


def _explode(path, name, row, count_tokens, max_tokens=256, **kw):
    if "beta" in name:
        raise RuntimeError("reader bug")
    return _real_parse(path, name, row, count_tokens, max_tokens, **kw)


def _slow(path, name, row, count_tokens, max_tokens=256, **kw):
    if "beta" in name:
        time.sleep(60)
    return _real_parse(path, name, row, count_tokens, max_tokens, **kw)


_real_parse = parse.parse_file


def test_reader_crash_is_a_skip_not_an_abort(folder, settings, monkeypatch):
    """This test ensures that an unexpected exception in a reader skips that file as an internal
    error and the other files still land."""
    monkeypatch.setattr(parse, "parse_file", _explode)
    report = _sync(folder, settings)
    assert report.added == 2
    [(name, reason)] = report.skipped
    assert name == "beta.md" and "internal error" in reason and "report" in reason and "RuntimeError" in reason
    monkeypatch.setattr(parse, "parse_file", _real_parse)
    assert _sync(folder, settings).added == 1, "internal errors are retried on the next run"


def test_slow_file_is_killed_after_the_time_limit(folder, tmp_path, monkeypatch):
    """This test ensures that a file that takes longer than the per-file limit is skipped and the
    batch finishes quickly."""
    settings = Settings.load(kb_dir=str(tmp_path / "kb"), file_timeout=1.0)
    monkeypatch.setattr(parse, "parse_file", _slow)
    t0 = time.monotonic()
    report = _sync(folder, settings)
    assert time.monotonic() - t0 < 20
    assert report.added == 2 and [n for n, _ in report.skipped] == ["beta.md"]
    assert "timed out" in report.skipped[0][1] and "--timeout" in report.skipped[0][1]


def test_changed_file_that_became_unreadable_is_dropped(folder, settings):
    """This test ensures that a file replaced by an empty one no longer answers with its old text."""
    _sync(folder, settings)
    (folder / "sub" / "gamma.txt").write_text("")
    report = _sync(folder, settings)
    assert [n for n, _ in report.skipped] == ["sub/gamma.txt"]
    with Store.open(settings.kb_path) as store:
        assert _keyword_files(store, "fisheries") == set()


CATALOG = "file,title,short_title,authors,publisher,year,symbol,kind\n"


def test_catalog_change_updates_metadata_without_reembedding(folder, settings):
    """This test ensures that editing catalog.csv changes titles without embedding anything again."""
    (folder / "catalog.csv").write_text(CATALOG + "alpha.txt,Steel tariffs,Steel,A. Author,UNCTAD,1999,TD/B/1,report\n")
    _sync(folder, settings)
    with Store.open(settings.kb_path) as store:
        doc = store.find_document("alpha.txt")
        assert (doc.title, doc.year, doc.symbol, doc.publisher) == ("Steel tariffs", 1999, "TD/B/1", "UNCTAD")
    (folder / "catalog.csv").write_text(CATALOG + "alpha.txt,Steel tariffs revised,Steel,A. Author,OECD,2001,,report\n")
    emb = CountingEmbedder()
    report = _sync(folder, settings, emb)
    assert emb.calls == 0 and report.metadata_updated == 1 and report.unchanged == 3
    with Store.open(settings.kb_path) as store:
        doc = store.find_document("alpha.txt")
        assert (doc.title, doc.year, doc.publisher) == ("Steel tariffs revised", 2001, "OECD")
    assert _sync(folder, settings, emb).metadata_updated == 0


def test_unusable_catalog_keeps_the_metadata(folder, settings):
    """This test ensures that a catalog.csv that cannot be used (no file column) does not wipe the
    titles it gave before."""
    (folder / "catalog.csv").write_text(CATALOG + "alpha.txt,Steel tariffs,Steel,A. Author,UNCTAD,1999,TD/B/1,report\n")
    _sync(folder, settings)
    (folder / "catalog.csv").write_text("name;title\nalpha.txt;Other\n")
    assert _sync(folder, settings).metadata_updated == 0
    with Store.open(settings.kb_path) as store:
        assert store.find_document("alpha.txt").title == "Steel tariffs"


def test_scan_skips_hidden_files_and_the_catalog(folder):
    """This test ensures that the walk ignores hidden files and folders and catalog.csv."""
    _write(folder, {".git/config": "x", ".DS_Store": "x", "catalog.csv": "file,title\n"})
    assert sorted(scan_folder(folder)) == ["alpha.txt", "beta.md", "sub/gamma.txt"]


def test_missing_folder_is_a_clear_error(tmp_path, settings):
    """This test ensures that a wrong folder name is reported, not silently ingested as empty."""
    from kb.errors import IngestError

    with pytest.raises(IngestError, match="does not exist"):
        _sync(tmp_path / "nope", settings)


def test_second_ingest_into_the_same_store_is_refused(folder, settings):
    """This test ensures that two syncs cannot write one store at the same time (each would keep its
    own vector index), and that the lock is released afterwards."""
    from ingest.pipeline import writer_lock
    from kb.errors import StoreError

    _sync(folder, settings)
    with writer_lock(settings.kb_path), pytest.raises(StoreError, match="another `kb ingest`"):
        _sync(folder, settings)
    assert _sync(folder, settings).unchanged == 3


@pytest.mark.parametrize("enabled", [True, False])
def test_sentence_vectors_follow_the_setting(tmp_path, enabled):
    """This test ensures that ingest stores sentence vectors for passages of several sentences
    when KB_SENTENCE_VECTORS is on, and none (without a rebuild note) when it is off."""
    folder = tmp_path / "papers"
    _write(folder, {"delta.txt": "Delta brief\n\nPorts were dredged in spring. Ferries then docked at low tide. "
                                 "Freight costs fell by a fifth.\n"})
    settings = Settings.load(kb_dir=str(tmp_path / "kb"), file_timeout=30.0, sentence_vectors=enabled)
    report = _sync(folder, settings)
    with Store.open(settings.kb_path) as store:
        rows = store.conn.execute("SELECT COUNT(*), COALESCE(SUM(n), 0) FROM sentence_vectors").fetchone()
    assert (rows[0] > 0) is enabled and (rows[1] >= 3 or not enabled), rows
    assert report.notes == []
