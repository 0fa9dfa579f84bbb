"""Store: documents, passages, vectors and keyword index persist and stay consistent."""

from __future__ import annotations

import json

import pytest

from kb.errors import StoreError, StoreMismatchError
from kb.store.schema import INDEX_META
from kb.store.sqlite import Store
from kb.types import Document, Filters, ParsedDocument, Passage, make_passage_id


def _parsed(doc_id: str, file: str, texts: list[str], year: int = 2000, publisher: str = "UNCTAD") -> ParsedDocument:
    doc = Document(doc_id=doc_id, file=file, sha256=doc_id * 4, title=f"Title {file}", year=year, publisher=publisher)
    ps = tuple(Passage(passage_id=make_passage_id(doc_id, i, t), doc_id=doc_id, seq=i, text=t, para=str(i + 1))
               for i, t in enumerate(texts))
    return ParsedDocument(doc, ps)


def _add(store: Store, parsed: ParsedDocument, emb) -> None:
    with store.transaction():
        store.add_document(parsed, emb.encode([p.text for p in parsed.passages]), [(parsed.document.file, 1, 0.0)])
    store.save()


def test_roundtrip_and_search(tmp_path, fake_embedder):
    """This test ensures that passages come back with their citation fields and are found by
    both the keyword and the vector side."""
    store = Store.create(tmp_path / "kb", fake_embedder.name, fake_embedder.dim)
    _add(store, _parsed("a" * 16, "a.txt", ["clusters of small firms upgrade", "tariffs on imports fell"]), fake_embedder)
    store.close()
    store = Store.open(tmp_path / "kb")
    assert [p.para for p in store.passages()] == ["1", "2"]
    hits = store.keyword_search(["tariffs"], 5)
    assert len(hits) == 1 and store.passages_by_rowid([hits[0][0]])[hits[0][0]].para == "2"
    ids, _scores = store.index.search(fake_embedder.encode(["tariffs on imports"])[0], 2)
    assert store.passages_by_rowid([int(ids[0])])[int(ids[0])].para == "2"
    assert json.loads((tmp_path / "kb" / "manifest.json").read_text())["passages"] == 2


def test_remove_document_removes_vectors(tmp_path, fake_embedder):
    """This test ensures that a removed document disappears from both indexes."""
    store = Store.create(tmp_path / "kb", fake_embedder.name, fake_embedder.dim)
    _add(store, _parsed("a" * 16, "a.txt", ["alpha beta"]), fake_embedder)
    _add(store, _parsed("b" * 16, "b.txt", ["gamma delta"]), fake_embedder)
    _ = store.index
    with store.transaction():
        store.remove_file("a.txt")
    store.save()
    assert store.index.size == 1
    assert store.keyword_search(["alpha"], 5) == []
    reopened = Store.open(tmp_path / "kb")
    assert reopened.index.size == 1


def test_stale_index_is_rebuilt(tmp_path, fake_embedder):
    """This test ensures that a FAISS file older than the database is rebuilt, not trusted."""
    store = Store.create(tmp_path / "kb", fake_embedder.name, fake_embedder.dim)
    _add(store, _parsed("a" * 16, "a.txt", ["alpha beta"]), fake_embedder)
    _ = store.index
    store.save()
    meta = json.loads((tmp_path / "kb" / INDEX_META).read_text())
    meta["generation"] = -1
    (tmp_path / "kb" / INDEX_META).write_text(json.dumps(meta))
    assert Store.open(tmp_path / "kb").index.size == 1


def test_model_mismatch_is_refused(tmp_path, fake_embedder):
    """This test ensures that vectors of two models are never mixed."""
    Store.create(tmp_path / "kb", fake_embedder.name, fake_embedder.dim).close()
    with pytest.raises(StoreMismatchError, match="built with model"):
        Store.create(tmp_path / "kb", "other-model", 384)


def test_missing_store_is_a_clear_error(tmp_path):
    """This test ensures that opening nothing says how to build a knowledge base."""
    with pytest.raises(StoreError, match="kb ingest"):
        Store.open(tmp_path / "nothing")


def test_filters(tmp_path, fake_embedder):
    """This test ensures that filters restrict by document, publisher and year."""
    store = Store.create(tmp_path / "kb", fake_embedder.name, fake_embedder.dim)
    _add(store, _parsed("a" * 16, "a.txt", ["alpha"], year=1999), fake_embedder)
    _add(store, _parsed("b" * 16, "b.txt", ["beta"], year=2005, publisher="OECD"), fake_embedder)
    assert [d.file for d in store.filter_documents(Filters(year_min=2000))] == ["b.txt"]
    assert [d.file for d in store.filter_documents(Filters(publishers=("unctad",)))] == ["a.txt"]
    allowed = store.allowed_rowids(Filters(docs=("b.txt",)))
    ids, _ = store.index.search(fake_embedder.encode(["alpha"])[0], 5, allowed=allowed)
    assert len(ids) == 1 and store.passages_by_rowid([int(ids[0])])[int(ids[0])].doc_id == "b" * 16


def test_reader_sees_changes_of_another_writer(tmp_path, fake_embedder):
    """This test ensures that a long-running reader (the app) never maps vector hits through a
    stale index: after another connection commits, the index and the document list reload."""
    writer = Store.create(tmp_path / "kb", fake_embedder.name, fake_embedder.dim)
    _add(writer, _parsed("a" * 16, "a.txt", ["alpha beta"]), fake_embedder)
    reader = Store.open(tmp_path / "kb")
    assert reader.index.size == 1 and len(reader.documents()) == 1
    _ = writer.index
    _add(writer, _parsed("b" * 16, "b.txt", ["gamma delta"]), fake_embedder)
    with writer.transaction():
        writer.remove_file("a.txt")
    writer.save()
    assert [d.file for d in reader.documents()] == ["b.txt"]
    ids, _ = reader.index.search(fake_embedder.encode(["alpha beta"])[0], 5)
    found = reader.passages_by_rowid([int(i) for i in ids])
    assert [p.doc_id for p in found.values()] == ["b" * 16], "a deleted passage must not come back"


def test_index_files_are_named_by_generation(tmp_path, fake_embedder):
    """This test ensures that index files of one generation replace the old ones together, so a
    reader never pairs an index with the labels of another generation."""
    store = Store.create(tmp_path / "kb", fake_embedder.name, fake_embedder.dim)
    _ = store.index
    _add(store, _parsed("a" * 16, "a.txt", ["alpha beta"]), fake_embedder)
    _add(store, _parsed("b" * 16, "b.txt", ["gamma"]), fake_embedder)
    meta = json.loads((tmp_path / "kb" / INDEX_META).read_text())
    files = sorted(p.name for p in (tmp_path / "kb").glob("vectors*.faiss*"))
    assert all(f.startswith(meta["file"]) for f in files), files
    assert Store.open(tmp_path / "kb").index.size == 2


def test_store_of_another_schema_is_refused(tmp_path, fake_embedder):
    """This test ensures that a store built with an older passage schema is a clear error that
    says how to rebuild it, not silently wrong citations."""
    Store.create(tmp_path / "kb", fake_embedder.name, fake_embedder.dim).close()
    manifest = tmp_path / "kb" / "manifest.json"
    data = json.loads(manifest.read_text())
    data["schema_version"] = 1
    manifest.write_text(json.dumps(data))
    with pytest.raises(StoreMismatchError, match="re-run `kb ingest`"):
        Store.open(tmp_path / "kb")
