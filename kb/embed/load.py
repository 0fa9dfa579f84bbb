"""Build the embedder a store or a question needs: the torch model, the onnx-int8 backend, the
hash stand-in, or (for questions) the verified fp32 ONNX export of the store's torch model."""

from __future__ import annotations

import logging
from pathlib import Path

from kb.embed.encoders import Embedder, HashEmbedder, SentenceTransformerEmbedder
from kb.embed.resolve import DEFAULT_MODEL, model_fingerprint, resolve_model_path
from kb.errors import EmbeddingError

log = logging.getLogger(__name__)


def load_query_embedder(model: str = DEFAULT_MODEL, backend: str = "torch", device: str = "auto",
                        max_tokens: int = 256, light: bool = True) -> Embedder:
    """The embedder for questions against a store. For a store built with the torch backend this
    is, when cached, the verified fp32 ONNX export of the same model file (same vectors, ready
    in a fraction of a second without importing torch); otherwise `load_embedder`."""
    if light and backend == "torch" and not model.endswith("-onnx-int8") and not model.startswith("hash-bow-"):
        try:
            from kb.embed.onnx_export import cached_fp32_model

            if cached_fp32_model(resolve_model_path(model)) is not None:
                from kb.embed.onnx import OnnxEmbedder

                return OnnxEmbedder(model, max_tokens=max_tokens, variant="fp32")
        except (ImportError, EmbeddingError) as exc:
            log.info("light query encoder unavailable (%s); loading the torch model", exc)
    return load_embedder(model, backend, device, max_tokens)


def prepare_light_queries(model: str) -> bool:
    """Export and verify the fp32 ONNX copy of a torch model once (after an ingest), so later
    queries start fast; False when it cannot be made or does not give the same vectors."""
    if model.startswith("hash-bow-") or model.endswith("-onnx-int8"):
        return False
    try:
        from kb.embed.onnx_verify import ensure_fp32_model

        return ensure_fp32_model(resolve_model_path(model)) is not None
    except (ImportError, EmbeddingError, OSError, RuntimeError) as exc:
        log.warning("could not prepare the light query encoder (%s); queries will load torch", exc)
        return False


def load_embedder(model: str = DEFAULT_MODEL, backend: str = "torch", device: str = "auto",
                  max_tokens: int = 256, precision: str = "auto") -> Embedder:
    """Build the embedder a store or a query needs."""
    if model.endswith("-onnx-int8"):  # a store's manifest name ("<model>-onnx-int8@<hash>") selects its backend
        model, backend = model[: -len("-onnx-int8")], "onnx-int8"
    if model.startswith("hash-bow-"):
        return HashEmbedder(dim=int(model.split("-")[-1].split("@")[0]), max_tokens=max_tokens)
    if backend == "torch":
        return SentenceTransformerEmbedder(model, device=device, max_tokens=max_tokens, precision=precision)
    if backend == "onnx-int8":
        from kb.embed.onnx import OnnxEmbedder

        return OnnxEmbedder(model, max_tokens=max_tokens)
    raise EmbeddingError(f"unknown embedding backend {backend!r}; use torch or onnx-int8 (KB_BACKEND)")


def check_fingerprint(model: str, built: str) -> None:
    """Before any model file is loaded: the weights `model` names must be the ones a store was
    built with (`built` is the manifest's "name@fingerprint"), so a store's manifest can never
    make kb load other weights than it was built with. Stand-ins and ONNX names carry their own
    check (the name comparison after loading)."""
    base, _, want = built.partition("@")
    if not want or base.startswith("hash-bow-") or base.endswith("-onnx-int8"):
        return
    path = resolve_model_path(model)
    if not Path(path).is_dir():
        raise EmbeddingError(f"model {model!r} is not a folder on this machine; kb loads models from disk only "
                             "(no model hub): set KB_MODEL to a local sentence-transformers folder")
    got = model_fingerprint(path)
    if got != want:
        raise EmbeddingError(f"the model at {path!r} (fingerprint {got}) is not the one this knowledge base was "
                             f"built with ({built}); point KB_MODEL at that model or ingest into a new --kb directory")
