"""kb.embed.pipeline: the torch embedder's batch pipeline, run on the CPU with a fake model over a real
fast tokenizer (the shipped model's tokenizer.json; no weights are loaded)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb.embed.pipeline import encode_batches, length_order, merge, pad
from kb.embed.spans import pool_spans, sentence_spans

torch = pytest.importorskip("torch")
tokenizers = pytest.importorskip("tokenizers")

DIM = 16
TEXTS = [
    "Clusters help small firms. They share suppliers and skilled workers! Do they upgrade?",
    "One sentence only",
    "",
    "Ünïcödé text — 中文 and Arabic العربية. A second sentence here.",
    "Value chains link firms across borders. " * 40,  # past the truncation point
    "Short. Two.",
]


@pytest.fixture(scope="module")
def tokenizer():
    from kb.embed.resolve import resolve_model_path
    from kb.errors import EmbeddingError

    try:
        path = Path(resolve_model_path("all-MiniLM-L6-v2")) / "tokenizer.json"
    except EmbeddingError:
        pytest.skip("the shipped model package is not installed")
    tok = tokenizers.Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.enable_truncation(32)
    return tok


def fake_forward(features: dict) -> dict:
    """A stand-in model: each token's vector is a fixed function of its id and position;
    mean pooling over the mask, as sentence-transformers' Pooling does."""
    ids, mask = features["input_ids"], features["attention_mask"]
    g = torch.Generator().manual_seed(0)
    table = torch.randn(40000, DIM, generator=g)
    pos = torch.randn(512, DIM, generator=g)
    tokens = table[ids] + pos[: ids.shape[1]][None]
    m = mask.unsqueeze(-1).float()
    return {"token_embeddings": tokens, "sentence_embedding": (tokens * m).sum(1) / m.sum(1).clamp(min=1)}


def test_pad_and_merge_keep_every_token_in_place(tokenizer):
    """This test ensures that padding lays each text's ids, mask and offsets at the start of its
    row, and that merging pieces padded to their own widths gives the batch one padding would."""
    encs = tokenizer.encode_batch(TEXTS)
    index = np.arange(len(TEXTS))
    whole = pad(encs, index, with_offsets=True)
    pieces = merge([pad(encs[:2], index[:2], True), pad(encs[2:], index[2:], True)])
    for b in (whole, pieces):
        assert b.ids.shape == b.mask.shape == b.offsets.shape[:2]
        for r, e in enumerate(encs):
            n = len(e.ids)
            assert b.ids[r, :n].tolist() == e.ids and not b.ids[r, n:].any()
            assert b.mask[r].sum() == n
            assert [tuple(o) for o in b.offsets[r, :n].tolist()] == e.offsets
    np.testing.assert_array_equal(whole.ids, pieces.ids)
    assert pad(encs, index, with_offsets=False).offsets is None


def test_length_order_puts_long_texts_first_and_covers_every_text():
    """This test ensures that batches are formed longest text first and hold each input once."""
    batches = length_order(TEXTS, 4)
    flat = np.concatenate(batches).tolist()
    assert sorted(flat) == list(range(len(TEXTS)))
    assert [len(TEXTS[i]) for i in flat] == sorted((len(t) for t in TEXTS), reverse=True)
    assert [len(b) for b in batches] == [4, 2]


@pytest.mark.parametrize("batch_size,threads,chunk", [(1, 1, 64), (4, 2, 1), (64, 3, 2)])
def test_vectors_come_back_in_input_order_whatever_the_batching(tokenizer, batch_size, threads, chunk):
    """This test ensures that passage vectors are unit length, in input order, and the same for
    any batch size, thread count and piece size."""
    ref, _ = encode_batches(fake_forward, tokenizer, TEXTS, DIM, batch_size=len(TEXTS), threads=1)
    got, spans = encode_batches(fake_forward, tokenizer, TEXTS, DIM, batch_size=batch_size, threads=threads,
                                chunk=chunk)
    assert spans is None
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    for i, t in enumerate(TEXTS):  # each row is its own text's vector (compared with it alone)
        alone, _ = encode_batches(fake_forward, tokenizer, [t], DIM)
        np.testing.assert_allclose(got[i], alone[0], atol=1e-5)
    np.testing.assert_allclose(got, ref, atol=1e-5)


def test_span_vectors_match_pooling_each_text_on_its_own(tokenizer):
    """This test ensures that span vectors pooled for a whole batch on the model's device equal
    kb.embed.spans.pool_spans on one text's token vectors: same tokens, spans past the truncation
    point dropped, one-sentence texts without rows."""
    spans = [sentence_spans(t) for t in TEXTS]
    _, per_text = encode_batches(fake_forward, tokenizer, TEXTS, DIM, spans=spans, batch_size=3, chunk=2)
    assert len(per_text) == len(TEXTS)
    for t, sp, got in zip(TEXTS, spans, per_text):
        enc = tokenizer.encode(t)
        ids = torch.tensor([enc.ids])
        tokens = fake_forward({"input_ids": ids, "attention_mask": torch.ones_like(ids)})["token_embeddings"][0]
        want = pool_spans(tokens.numpy(), enc.offsets, sp)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, atol=1e-5)
    assert len(per_text[1]) == 0 and len(per_text[2]) == 0  # one sentence, empty text
    assert 0 < len(per_text[4]) < len(spans[4])  # truncated at 32 tokens: later sentences have no tokens


def test_no_texts_give_empty_results(tokenizer):
    """This test ensures that an empty input gives 0 x dim vectors and no span lists."""
    vectors, per_text = encode_batches(fake_forward, tokenizer, [], DIM, spans=[])
    assert vectors.shape == (0, DIM) and per_text == []


def batch_sensitive_forward(features: dict) -> dict:
    """fake_forward plus a term from the whole batch, as bf16 padding noise would add: a text's
    vector then depends on its batch-mates."""
    out = fake_forward(features)
    out["sentence_embedding"] = out["sentence_embedding"] + 0.1 * out["sentence_embedding"].mean(0, keepdim=True)
    return out


def test_groups_keep_each_text_independent_of_other_groups(tokenizer):
    """This test ensures that with groups (ingest gives each passage's document) no batch mixes
    two groups, so a document's vectors are the same whichever other documents are embedded in
    the same call, and that group keys must match the texts."""
    from kb.embed.pipeline import length_order

    groups = ["a", "b", "a", "b", "a", "b"]
    for batch in length_order(TEXTS, 2, groups):
        assert len({groups[i] for i in batch}) == 1
    together, _ = encode_batches(batch_sensitive_forward, tokenizer, TEXTS, DIM, groups=groups, batch_size=2)
    only_a = [i for i, g in enumerate(groups) if g == "a"]
    alone, _ = encode_batches(batch_sensitive_forward, tokenizer, [TEXTS[i] for i in only_a], DIM,
                              groups=["a"] * len(only_a), batch_size=2)
    np.testing.assert_allclose(together[only_a], alone, atol=1e-6)
    mixed, _ = encode_batches(batch_sensitive_forward, tokenizer, TEXTS, DIM, batch_size=2)
    assert not np.allclose(mixed[only_a], alone, atol=1e-6)  # without groups, batch-mates matter
    with pytest.raises(ValueError, match="group keys"):
        encode_batches(fake_forward, tokenizer, TEXTS, DIM, groups=["a"])
