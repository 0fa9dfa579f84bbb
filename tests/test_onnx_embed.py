"""The onnx-int8 backend: close to the fp32 model, pinned to its own model file, light to start."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from kb.embed.onnx import length_batches, mean_pool, pad_batch

SENTENCES = [
    "Small firms that cluster together can share suppliers and skilled workers.",
    "The ministry raised tariffs on imported machinery last year.",
    "Training programmes for managers improved the adoption of new technology.",
    "A regional development bank lends to exporters of processed food.",
    "Rainfall was unusually low in the northern provinces.",
]


def test_mean_pool_ignores_padding_and_normalises():
    """This test ensures that padded positions do not move the pooled vector and rows are unit length."""
    hidden = np.array([[[1.0, 0.0], [3.0, 0.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    out = mean_pool(hidden, mask)
    assert np.allclose(out, [[1.0, 0.0]]), "the padded token (100, 100) must be ignored"
    assert out.dtype == np.float32


def test_length_batches_cover_every_index_once_longest_first():
    """This test ensures that length sorting loses or repeats no text and puts similar lengths together."""
    lengths = [5, 50, 7, 49, 6, 51]
    batches = length_batches(lengths, 2)
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(6))
    assert [sorted(lengths[i] for i in b) for b in batches] == [[50, 51], [7, 49], [5, 6]]


def test_pad_batch_pads_with_zero_and_masks():
    """This test ensures that short sequences are zero-padded and masked out."""
    ids, mask = pad_batch([[101, 7, 102], [101, 102]])
    assert ids.tolist() == [[101, 7, 102], [101, 102, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 1, 0]]


@pytest.fixture(scope="module")
def onnx_embedder():
    from kb.embed.onnx import OnnxEmbedder

    return OnnxEmbedder()


@pytest.mark.integration
def test_int8_vectors_stay_close_to_fp32(onnx_embedder, real_embedder):
    """This test ensures that int8 quantization keeps each sentence vector within cosine 0.97 of fp32."""
    a = onnx_embedder.encode(SENTENCES)
    b = real_embedder.encode(SENTENCES)
    cos = (a * b).sum(axis=1)
    assert cos.min() > 0.97, f"int8 drifted from fp32: cosines {cos.round(4).tolist()}"
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)


@pytest.mark.integration
def test_int8_name_pins_the_model_file(onnx_embedder, real_embedder, tmp_path):
    """This test ensures that the int8 model has its own manifest name, so a store built with fp32
    vectors refuses int8 queries and the other way round."""
    from kb.errors import StoreMismatchError
    from kb.store.sqlite import Store

    assert onnx_embedder.name != real_embedder.name
    assert onnx_embedder.name.startswith("all-MiniLM-L6-v2-onnx-int8@")
    store = Store.create(tmp_path / "kb", real_embedder.name, real_embedder.dim)
    with pytest.raises(StoreMismatchError):
        store.check_model(onnx_embedder.name, onnx_embedder.dim)
    store.close()


@pytest.mark.integration
def test_int8_counts_tokens_like_the_torch_tokenizer(onnx_embedder, real_embedder):
    """This test ensures that passage-size decisions are the same under both backends."""
    for s in SENTENCES + ["naïve co-operation, e.g. 12.5% (ISIC Rev. 4)"]:
        assert onnx_embedder.count_tokens(s) == real_embedder.count_tokens(s)


@pytest.mark.integration
def test_int8_truncates_long_text_and_keeps_order(onnx_embedder):
    """This test ensures that a text past max_tokens is truncated, and that length sorting inside
    encode returns vectors in the caller's order. Activations are quantized per batch, so a
    vector moves slightly with its batch mates (cosine about 0.99), never to another row."""
    long = " ".join(SENTENCES * 40)
    assert max(len(s) for s in onnx_embedder.tokenize([long])) == onnx_embedder.max_tokens == 256
    texts = [long] + SENTENCES
    together = onnx_embedder.encode(texts, batch_size=2)
    alone = np.vstack([onnx_embedder.encode([t]) for t in texts])
    sims = together @ alone.T
    assert (sims.argmax(axis=1) == np.arange(len(texts))).all(), "row i of a batch must be text i"
    assert np.diag(sims).min() > 0.97, f"batching moved vectors too far: {np.diag(sims).round(4).tolist()}"


@pytest.mark.integration
def test_int8_process_starts_without_torch(onnx_embedder):
    """This test ensures that once the int8 file is cached a process embeds text without importing
    torch, transformers or sentence-transformers (fast start-up)."""
    code = ("import sys; from kb.embed.load import load_embedder; "
            "e = load_embedder(backend='onnx-int8'); e.encode(['a question']); "
            "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
