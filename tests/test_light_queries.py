"""The light query encoder: the verified fp32 ONNX copy of the torch model stands in for it at
query time (same vectors, no torch import), and only when verified."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from kb.embed.encoders import HashEmbedder
from kb.embed.load import load_query_embedder


def test_fake_and_int8_models_are_never_swapped():
    """This test ensures that the light path is taken only for torch-built stores."""
    assert isinstance(load_query_embedder("hash-bow-64"), HashEmbedder)


@pytest.mark.integration
def test_fp32_export_gives_the_torch_vectors_and_name(real_embedder):
    """This test ensures that the light encoder carries the torch model's name (so the store
    accepts it) only because it gives the same vectors: cosine >= 0.9999 on sentences of ours."""
    from kb.embed.load import prepare_light_queries
    from kb.embed.onnx import OnnxEmbedder

    assert prepare_light_queries("all-MiniLM-L6-v2")
    light = OnnxEmbedder("all-MiniLM-L6-v2", variant="fp32")
    assert light.name == real_embedder.name and light.dim == real_embedder.dim
    texts = ["Ferry operators in the harbour share one repair dock.",
             "Which agency trains apprentices in boat building, and for how long?",
             "Tabelle 2: Ausfuhren nach Sektoren (in Millionen)"]
    cos = np.sum(light.encode(texts) * real_embedder.encode(texts), axis=1)
    assert cos.min() >= 0.9999, cos
    assert [light.count_tokens(t) for t in texts] == [real_embedder.count_tokens(t) for t in texts]


@pytest.mark.integration
def test_query_encoder_starts_without_torch(real_embedder):
    """This test ensures that encoding a question with the light encoder imports neither torch
    nor sentence-transformers (the cost of a cold `kb ask`)."""
    from kb.embed.load import prepare_light_queries

    assert prepare_light_queries("all-MiniLM-L6-v2")
    code = ("import sys; from kb.embed.load import load_query_embedder; e = load_query_embedder(); e.encode(['a question']);"
            "print(type(e).__name__, sorted(m for m in ('torch', 'sentence_transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "OnnxEmbedder []", out
