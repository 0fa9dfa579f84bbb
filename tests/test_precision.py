"""Embedding precision on a CPU: bf16 autocast where the CPU has it natively, fp32 otherwise."""

from __future__ import annotations

import numpy as np
import pytest

from kb.embed import encoders as embed
from kb.embed.spans import embed_passages
from kb.errors import EmbeddingError

PASSAGES = [
    "Herons nest in colonies near shallow water. They feed on fish and frogs. Their nests are large.",
    "A cooperative of small furniture makers shares a drying kiln and a showroom in the market town.",
    "Export credit lines for small firms were extended in 1998. The central bank guaranteed half of them.",
    "Training centres run by the sector association teach joinery, finishing and bookkeeping.",
    "The survey covered 412 firms in three districts; two thirds had fewer than ten workers.",
    "Tariffs on imported machinery fell from 25 to 5 per cent, so firms upgraded their lathes.",
]


def test_auto_precision_follows_the_cpu(monkeypatch):
    """This test ensures that `auto` gives bf16 only on a CPU with native bf16 and fp32 otherwise,
    and that an explicit choice is kept."""
    monkeypatch.setattr(embed, "native_bf16", lambda: False)
    assert embed.cpu_precision("auto") == "fp32"
    monkeypatch.setattr(embed, "native_bf16", lambda: True)
    assert embed.cpu_precision("auto") == "bf16"
    assert embed.cpu_precision("fp32") == "fp32"
    assert embed.cpu_precision("bf16") == "bf16"


def test_unknown_precision_names_the_value_and_the_setting():
    """This test ensures that a mistyped precision is refused in one line naming the value, the
    variable and the choices."""
    with pytest.raises(EmbeddingError) as err:
        embed.cpu_precision("int4")
    msg = str(err.value)
    assert "'int4'" in msg and "KB_PRECISION" in msg and "bf16" in msg and "\n" not in msg


@pytest.mark.integration
def test_bf16_passage_and_sentence_vectors_match_fp32():
    """This test ensures that passages embedded in bf16 give the fp32 vectors to a cosine of
    0.9999 (passage and sentence vectors alike), unit length, and that questions stay fp32."""
    if not embed.native_bf16():
        pytest.skip("this CPU has no native bf16 (AVX512-BF16 or AMX)")
    fp32 = embed.SentenceTransformerEmbedder(precision="fp32")
    bf16 = embed.SentenceTransformerEmbedder(precision="bf16")
    assert (fp32.precision, bf16.precision) == ("fp32", "bf16")
    v32, s32 = embed_passages(fp32, PASSAGES)
    v16, s16 = embed_passages(bf16, PASSAGES)
    assert not np.array_equal(v32, v16)  # the bf16 path really ran
    assert float(((v32 * v16).sum(axis=1)).min()) > 0.9999
    np.testing.assert_allclose(np.linalg.norm(v16, axis=1), 1.0, atol=1e-5)
    for a, b in zip(s32, s16):
        assert a.shape == b.shape
        if len(a):
            assert float(((a * b).sum(axis=1)).min()) > 0.9995
    np.testing.assert_allclose(bf16.encode(PASSAGES, batch_size=2), v16, atol=2e-3)
    question = ["where do herons nest"]
    np.testing.assert_array_equal(bf16.encode(question), fp32.encode(question))  # questions in fp32
