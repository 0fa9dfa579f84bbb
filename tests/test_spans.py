"""Sentence vectors of passages (kb.embed.spans): pooling, storage and their part in the dense score."""

from __future__ import annotations

import numpy as np
import pytest

from kb.config import Settings
from kb.embed.encoders import HashEmbedder
from kb.embed.spans import best_sentence, embed_passages, mix, pool_spans, sentence_spans
from kb.search.knowledge_base import KnowledgeBase
from kb.store.sqlite import Store
from kb.types import Document, ParsedDocument, Passage, make_passage_id

LONG = ("Ferries leave the harbour twice a day in winter. Ticket prices rise in the summer season. "
        "Grey herons nest in the reeds beside the old quay. The harbour shops close early on Sundays.")
SHORT = "Boats moor in the quay by the old harbour wall."


def test_sentence_spans_cover_each_sentence_and_skip_single_sentences():
    """This test ensures that a passage of several sentences gets one span per sentence and a
    one-sentence passage gets none (its passage vector already is its sentence vector)."""
    spans = sentence_spans(LONG)
    assert len(spans) == 4
    assert LONG[spans[2][0]:spans[2][1]].startswith("Grey herons")
    assert sentence_spans(SHORT) == []


def test_pool_spans_averages_the_tokens_inside_each_span():
    """This test ensures that a span's vector is the normalised mean of the tokens overlapping it,
    that special tokens (empty offsets) are ignored and a span past truncation gets no row."""
    tokens = np.array([[9, 9], [1, 0], [1, 0], [0, 1], [9, 9]], dtype=np.float32)
    offsets = [(0, 0), (0, 3), (4, 7), (8, 11), (0, 0)]
    out = pool_spans(tokens, offsets, [(0, 7), (8, 11), (50, 60)])
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out, [[1, 0], [0, 1]])


def test_fallback_embeds_sentences_on_their_own():
    """This test ensures that an embedder without token outputs still gets sentence vectors,
    one per sentence, equal to encoding each sentence alone."""
    emb = HashEmbedder(dim=32)
    vecs, sents = embed_passages(emb, [LONG, SHORT])
    assert vecs.shape == (2, 32)
    assert [len(s) for s in sents] == [4, 0]
    a, b = sentence_spans(LONG)[1]
    np.testing.assert_allclose(sents[0][1], emb.encode([LONG[a:b]])[0], atol=1e-6)


def test_mix_weights_the_best_sentence_and_keeps_passages_without_sentences():
    """This test ensures that the dense score mixes passage and best-sentence cosines, and that a
    passage without sentence vectors keeps its own cosine."""
    q = np.array([1.0, 0.0], dtype=np.float32)
    best = best_sentence(q, {1: np.array([[0.0, 1.0], [0.8, 0.6]], dtype=np.float32)})
    assert best == {1: pytest.approx(0.8)}
    assert mix({1: 0.5, 2: 0.4}, best, 0.7) == {1: pytest.approx(0.3 * 0.5 + 0.7 * 0.8), 2: 0.4}


def _store(path, emb):
    doc = Document(doc_id="h" * 16, file="harbour.txt", sha256="h" * 64, title="Harbour notes")
    ps = tuple(Passage(passage_id=make_passage_id(doc.doc_id, i, t), doc_id=doc.doc_id, seq=i, text=t)
               for i, t in enumerate([LONG, SHORT]))
    vecs, sents = embed_passages(emb, [p.text for p in ps])
    store = Store.create(path, emb.name, emb.dim)
    with store.transaction():
        store.add_document(ParsedDocument(doc, ps), vecs, [(doc.file, 1, 0.0)], sentence_vectors=sents)
    store.save()
    return store, doc


def test_store_keeps_sentence_vectors_and_drops_them_with_the_document(tmp_path):
    """This test ensures that sentence vectors survive a reopen (as float16) and go when their
    document is removed."""
    emb = HashEmbedder(dim=32)
    store, doc = _store(tmp_path / "kb", emb)
    store.close()
    store = Store.open(tmp_path / "kb")
    rowids = [r[0] for r in store.conn.execute("SELECT rowid FROM passages ORDER BY seq")]
    got = store.sentence_vectors_for(rowids)
    assert list(got) == [rowids[0]] and got[rowids[0]].shape == (4, 32)
    _, sents = embed_passages(emb, [LONG])
    np.testing.assert_allclose(got[rowids[0]], sents[0], atol=2e-3)
    with store.transaction():
        store.remove_document(doc.doc_id)
    assert store.conn.execute("SELECT COUNT(*) FROM sentence_vectors").fetchone()[0] == 0


def test_dense_side_ranks_a_passage_by_its_best_sentence(tmp_path):
    """This test ensures that a long passage holding one sentence on the question outranks a
    short passage only loosely related, once the best-sentence score is on, and not without it."""
    emb = HashEmbedder(dim=256)
    store, _ = _store(tmp_path / "kb", emb)
    store.close()
    kb = KnowledgeBase.open(tmp_path / "kb", settings=Settings.load(kb_dir=str(tmp_path / "kb")), embedder=emb)
    query = "do herons nest in the reeds by the old quay"
    with_sentences = kb.with_ranking(mode="dense").search(query, k=2)
    without = kb.with_ranking(mode="dense", sentence_weight=0.0).search(query, k=2)
    assert with_sentences[0].passage.text == LONG
    assert without[0].passage.text == SHORT
    assert with_sentences[0].dense_score > without[1].dense_score


@pytest.mark.integration
def test_real_model_sentence_vectors_come_from_the_passage_pass(real_embedder, monkeypatch):
    """This test ensures that the real model's passage vectors are unchanged by the span path and
    that each sentence vector is close to, but not the same as, embedding the sentence alone."""
    monkeypatch.setattr(real_embedder, "precision", "fp32")  # two texts encode in fp32 (kb.embed.SMALL_BATCH)
    vecs, sents = embed_passages(real_embedder, [LONG, SHORT])
    np.testing.assert_allclose(vecs, real_embedder.encode([LONG, SHORT]), atol=1e-5)
    a, b = sentence_spans(LONG)[2]
    alone = real_embedder.encode([LONG[a:b]])[0]
    cos = float(sents[0][2] @ alone)
    assert 0.6 < cos < 0.9999
    assert int(np.argmax(sents[0] @ real_embedder.encode(["where do herons nest"])[0])) == 2


def test_documents_embedded_without_sentence_vectors_are_reported(tmp_path):
    """This test ensures that a store holding documents embedded by an older kb (no sentence
    vectors) names them, and that the ingest report tells how to rebuild."""
    from ingest.pipeline import SyncReport, iter_report_lines

    emb = HashEmbedder(dim=32)
    doc = Document(doc_id="o" * 16, file="old.txt", sha256="o" * 64, title="Old")
    texts = [LONG * 2, LONG * 3]
    ps = tuple(Passage(passage_id=make_passage_id(doc.doc_id, i, t), doc_id=doc.doc_id, seq=i, text=t)
               for i, t in enumerate(texts))
    store = Store.create(tmp_path / "kb", emb.name, emb.dim)
    with store.transaction():
        store.add_document(ParsedDocument(doc, ps), emb.encode(texts), [(doc.file, 1, 0.0)])
    assert store.documents_without_sentence_vectors() == [doc.doc_id]
    _, sents = embed_passages(emb, texts)
    with store.transaction():
        store.add_document(ParsedDocument(doc, ps), emb.encode(texts), [(doc.file, 1, 0.0)], sentence_vectors=sents)
    assert store.documents_without_sentence_vectors() == []
    report = SyncReport(notes=["1 of 1 documents were embedded by an older kb"])
    assert any(line.startswith("note: 1 of 1 documents") for line in iter_report_lines(report))


def test_spans_found_beforehand_give_the_same_vectors(tmp_path):
    """This test ensures that embed_passages with the spans ingest's readers found gives what it
    gives when it splits the sentences itself, and that span lists that do not match the texts
    are refused."""
    from ingest.pipeline import _parse_task

    emb = HashEmbedder(dim=32)
    path = tmp_path / "harbour.txt"
    path.write_text(f"{LONG}\n\n{SHORT}\n", encoding="utf-8")
    parsed = _parse_task(path, path.name, None, count_tokens=emb.count_tokens, max_tokens=256, sentences=True)
    texts = [p.text for p in parsed.passages]
    assert len(parsed.sentence_spans) == len(texts)
    assert [list(sp) for sp in parsed.sentence_spans] == [sentence_spans(t) for t in texts]
    vecs, sents = embed_passages(emb, texts, spans=parsed.sentence_spans)
    ref_vecs, ref_sents = embed_passages(emb, texts)
    np.testing.assert_array_equal(vecs, ref_vecs)
    assert all(np.array_equal(a, b) for a, b in zip(sents, ref_sents))
    assert _parse_task(path, path.name, None, count_tokens=emb.count_tokens, max_tokens=256).sentence_spans == ()
    with pytest.raises(ValueError, match="span lists"):
        embed_passages(emb, texts, spans=[[]] * (len(texts) + 1))
