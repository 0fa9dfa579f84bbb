"""The fp32 ONNX export as a light query encoder: export it once, and keep it only when it gives
the torch model's vectors. Above both encoders (it runs each on PROBES) and the export."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from kb.embed.onnx_export import FP32_FILE, FP32_RECIPE, META_FILE, cached_fp32_model, export_fp32, fp32_entry
from kb.embed.resolve import model_fingerprint

log = logging.getLogger(__name__)

FP32_MIN_COSINE = 0.9999  # an fp32 export stands in for the torch model only when it gives the same vectors
# sentences of our own, of the kind kb reads, to check an fp32 export against the torch model
PROBES = (
    "Small firms in industrial districts share suppliers, skilled workers and testing facilities.",
    "The secretariat recommends that member States strengthen national statistical capacity.",
    "Technology transfer through licensing depends on the absorptive capacity of local enterprises.",
    "Table 3. Exports by sector, 2019-2024 (millions of United States dollars)",
    "What did the report recommend about public support for business networks?",
)

def ensure_fp32_model(model_path: str, cache_dir: Path | None = None) -> Path | None:
    """Export the model to fp32 ONNX once and check that it gives the torch model's vectors
    (cosine >= FP32_MIN_COSINE on PROBES); the path when it does, None when it does not.

    The check is recorded either way, so it runs once per model and machine. Needs torch and
    sentence-transformers (ingest has them loaded already); later queries need neither."""
    entry = fp32_entry(model_path, cache_dir)
    if (entry / META_FILE).exists():
        return cached_fp32_model(model_path, cache_dir)
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=entry.parent))
    try:
        export_fp32(model_path, tmp / FP32_FILE)
        cosine = fp32_agreement(model_path, tmp / FP32_FILE)
        meta = {"source": str(model_path), "source_fingerprint": model_fingerprint(model_path),
                "recipe": FP32_RECIPE, "size": (tmp / FP32_FILE).stat().st_size, "min_cosine": cosine,
                "verified": cosine >= FP32_MIN_COSINE}
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2))
        if not meta["verified"]:
            log.warning("fp32 ONNX export of %s differs from torch (cosine %.6f); queries keep using torch",
                        model_path, cosine)
        try:
            os.rename(tmp, entry)
        except OSError:  # another process finished first
            pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return cached_fp32_model(model_path, cache_dir)


def fp32_agreement(model_path: str, onnx_file: Path) -> float:
    """Smallest cosine between the torch model's and the ONNX file's vectors over PROBES."""
    import numpy as np

    from kb.embed.encoders import SentenceTransformerEmbedder
    from kb.embed.onnx import OnnxEmbedder

    ref = SentenceTransformerEmbedder(model_path, device="cpu", precision="fp32").encode(list(PROBES))
    got = OnnxEmbedder(model_path, variant="fp32", onnx_file=onnx_file).encode(list(PROBES))
    return float(np.min(np.sum(ref * got, axis=1)))
