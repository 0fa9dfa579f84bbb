"""The onnx-int8 embedding backend: the shipped model, quantized to int8, run by onnxruntime.

Same `Embedder` protocol as kb.embed. Texts are tokenized with the model's own tokenizer.json
(the `tokenizers` library), sorted by length so each batch pads little, run through the int8
transformer, then mean-pooled over the attention mask and L2-normalised, as sentence-transformers
does for all-MiniLM-L6-v2. Neither torch nor sentence-transformers is imported once the int8 file
is cached (see kb.embed.onnx_export), so a process is ready in a fraction of a second.

The name recorded in the manifest carries the sha256 of the int8 file
("all-MiniLM-L6-v2-onnx-int8@<hash>"): a store built with one model file refuses queries
encoded by another, including the fp32 torch model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from kb.embed.resolve import DEFAULT_MODEL, resolve_model_path
from kb.errors import EmbeddingError


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Unit-length float32 rows: token vectors averaged over the positions where mask is 1."""
    m = mask.astype(np.float32)[..., None]
    summed = (hidden * m).sum(axis=1)
    pooled = summed / np.clip(m.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return np.ascontiguousarray(pooled / np.clip(norms, 1e-12, None), dtype=np.float32)


def length_batches(lengths: Sequence[int], batch_size: int) -> list[np.ndarray]:
    """Indices grouped into batches of similar length, longest first (peak memory comes early)."""
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    return [order[i:i + batch_size] for i in range(0, len(order), max(1, batch_size))]


def pad_batch(seqs: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(input_ids, attention_mask) as int64 arrays padded with 0 to the longest sequence."""
    width = max((len(s) for s in seqs), default=0)
    ids = np.zeros((len(seqs), width), dtype=np.int64)
    mask = np.zeros((len(seqs), width), dtype=np.int64)
    for r, s in enumerate(seqs):
        ids[r, :len(s)] = s
        mask[r, :len(s)] = 1
    return ids, mask


def _seq_limit(model_path: str, wanted: int) -> int:
    cfg = Path(model_path) / "sentence_bert_config.json"
    try:
        limit = int(json.loads(cfg.read_text()).get("max_seq_length") or wanted)
    except (OSError, ValueError):
        limit = wanted
    return min(wanted, limit)


class OnnxEmbedder:
    """int8 ONNX transformer on onnxruntime (CPU), tokenizers for word pieces."""

    def __init__(self, model: str = DEFAULT_MODEL, max_tokens: int = 256, cache_dir: Path | None = None,
                 threads: int = 0, variant: str = "int8", onnx_file: Path | None = None) -> None:
        """`variant` "int8" is the onnx-int8 backend (its own model name); "fp32" runs the verified
        fp32 export of the torch model (kb.embed.onnx_export.ensure_fp32_model) under the torch model's
        name, as a light query encoder for stores built with torch."""
        path = resolve_model_path(model)
        tok_file = Path(path) / "tokenizer.json"
        if not tok_file.exists():
            raise EmbeddingError(f"model {model!r} has no tokenizer.json at {str(tok_file)!r}; the onnx-int8 "
                                 "backend needs a fast-tokenizer model directory, or use KB_BACKEND=torch")
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError:
            raise EmbeddingError("the onnx-int8 backend needs onnxruntime and tokenizers; "
                                 "run `pip install -r requirements.txt` or use KB_BACKEND=torch") from None
        base = DEFAULT_MODEL if path != model else Path(model).name or model
        if variant == "fp32":
            from kb.embed.onnx_export import cached_fp32_model
            from kb.embed.resolve import model_fingerprint

            onnx_file = onnx_file or cached_fp32_model(path, cache_dir)
            if onnx_file is None:
                raise EmbeddingError(f"no verified fp32 ONNX export of {model!r} is cached; run `kb ingest` once "
                                     "with KB_BACKEND=torch, or set KB_LIGHT_QUERIES=0")
            name = f"{base}@{model_fingerprint(path)}"
        else:
            from kb.embed.onnx_export import ensure_int8_model

            onnx_file, meta = ensure_int8_model(path, cache_dir)
            name = f"{base}-onnx-int8@{meta['sha256'][:12]}"
        self.max_tokens = _seq_limit(path, max_tokens)
        self._tok = Tokenizer.from_file(str(tok_file))
        self._tok.no_padding()
        self._tok.enable_truncation(self.max_tokens)  # counts [CLS] and [SEP], as sentence-transformers does
        self._counter = Tokenizer.from_file(str(tok_file))
        self._counter.no_padding()
        self._counter.no_truncation()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        try:
            self._session = ort.InferenceSession(str(onnx_file), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise EmbeddingError(f"cannot load the cached ONNX model {str(onnx_file)!r} ({exc}); "
                                 f"delete {str(onnx_file.parent)!r} so it is exported again") from exc
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.dim = int(self._session.get_outputs()[0].shape[-1])
        self.name = name
        self.model_file = str(onnx_file)

    # Two halves of encode, public so benchmarks can time them apart.
    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Word-piece ids per text, with [CLS]/[SEP], truncated to max_tokens."""
        return [e.ids for e in self._tok.encode_batch(list(texts))]

    def embed_ids(self, seqs: Sequence[Sequence[int]], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Unit vectors for tokenized texts, run in batches of similar length."""
        out = np.zeros((len(seqs), self.dim), dtype=np.float32)
        batches = length_batches([len(s) for s in seqs], batch_size)
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embedding", unit="batch")
        for idx in batches:
            ids, mask = pad_batch([seqs[i] for i in idx])
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feeds)[0]
            out[idx] = mean_pool(hidden, mask)
        return out

    def encode_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                          batch_size: int = 32, progress: bool = False) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors and the vectors of each text's character spans, pooled from the same
        forward pass (kb.embed.spans)."""
        from kb.embed.spans import pool_spans

        encs = self._tok.encode_batch(list(texts))
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        per_text = [np.zeros((0, self.dim), dtype=np.float32) for _ in texts]
        for idx in length_batches([len(e.ids) for e in encs], batch_size):
            ids, mask = pad_batch([encs[i].ids for i in idx])
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feeds)[0]
            vectors[idx] = mean_pool(hidden, mask)
            for r, i in enumerate(idx):
                if spans[i]:
                    n = len(encs[i].ids)
                    per_text[i] = pool_spans(hidden[r, :n], encs[i].offsets, spans[i])
        return vectors, per_text

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self.embed_ids(self.tokenize(texts), batch_size=batch_size, progress=progress)

    def count_tokens(self, text: str) -> int:
        return len(self._counter.encode(text, add_special_tokens=False).ids)
