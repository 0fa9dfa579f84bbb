"""Text -> normalised float32 vectors.

`Embedder` is the protocol the rest of kb uses. `SentenceTransformerEmbedder` is the real one
(torch and sentence-transformers imported only when it is built); `HashEmbedder` is a fast,
deterministic stand-in for tests. `kb.embed.load` picks one from the settings.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from kb.embed.resolve import DEFAULT_MODEL, model_fingerprint, resolve_model_path
from kb.errors import EmbeddingError

log = logging.getLogger(__name__)

SMALL_BATCH = 4  # inputs up to this many (queries) are encoded on one thread
GPU_BATCH = 512  # passages per batch on a GPU, whatever KB_BATCH_SIZE says (sized for a CPU)


class Embedder(Protocol):
    name: str  # what the manifest records; a store refuses another
    dim: int
    max_tokens: int

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """Rows of unit-length float32 vectors, one per text."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces the model would read for `text` (special tokens excluded)."""
        ...


def pick_device(device: str = "auto") -> str:
    if device != "auto":
        return device
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:
        return "cpu"


PRECISIONS = ("auto", "bf16", "fp32")


def native_bf16() -> bool:
    """Whether this CPU multiplies bf16 in hardware (AVX512-BF16 or AMX); without it torch
    emulates bf16 and is slower than fp32."""
    import torch

    checks = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    try:
        return any(check() for check in checks if callable(check))
    except RuntimeError:
        return False


def check_precision(precision: str) -> str:
    """The value itself when it is a known precision; EmbeddingError naming the setting otherwise."""
    if precision not in PRECISIONS:
        raise EmbeddingError(f"unknown embedding precision {precision!r}; set KB_PRECISION to one of "
                             + ", ".join(PRECISIONS))
    return precision


def cpu_precision(precision: str) -> str:
    """bf16 or fp32 for passage batches on a CPU; EmbeddingError for an unknown value."""
    if check_precision(precision) == "auto":
        return "bf16" if native_bf16() else "fp32"
    return precision


class SentenceTransformerEmbedder:
    """sentence-transformers on torch; fp16 with large batches on a GPU; on a CPU, passage
    batches in bf16 autocast where the CPU has native bf16 (about 1.6x faster, same vectors
    to a cosine of 0.9999), questions always in fp32."""

    def __init__(self, model: str = DEFAULT_MODEL, device: str = "auto", max_tokens: int = 256,
                 precision: str = "auto") -> None:
        path = resolve_model_path(model)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise EmbeddingError(
                "sentence-transformers is not installed; run `pip install -r requirements.txt`"
            ) from None
        self.device = pick_device(device)
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # no "Loading weights: 100%" bar on every command
            self._model = SentenceTransformer(path, device=self.device)
        except Exception as exc:  # the library raises many kinds; all mean "cannot load"
            raise EmbeddingError(
                f"cannot load embedding model {model!r} ({type(exc).__name__}: {exc}); "
                "set KB_MODEL to a local sentence-transformers model directory"
            ) from exc
        if self.device == "cuda":
            self._model.half()
        else:  # a checkpoint saved in fp16 or bf16 loads in that type; CPU kernels and autocast want fp32 weights
            self._model.float()
        on_cpu = cpu_precision(precision)  # also refuses an unknown value on any device
        self.precision = "fp16" if self.device == "cuda" else on_cpu if self.device == "cpu" else "fp32"
        log.info("embedding passages on %s in %s (KB_PRECISION=%s)", self.device, self.precision, precision)
        self.max_tokens = min(max_tokens, int(self._model.max_seq_length or max_tokens))
        self._model.max_seq_length = self.max_tokens
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())
        base = DEFAULT_MODEL if path != model else Path(model).name or model
        self.name = f"{base}@{model_fingerprint(path)}"
        self._tokenizer = self._model.tokenizer
        self._type_ids = "token_type_ids" in getattr(self._tokenizer, "model_input_names", ())
        self._fast_tokenizer = None  # a private copy: truncated to max_tokens, no padding (kb.embed.pipeline)
        backend = getattr(self._tokenizer, "backend_tokenizer", None)
        if backend is not None:
            from tokenizers import Tokenizer

            self._fast_tokenizer = Tokenizer.from_str(backend.to_str())
            self._fast_tokenizer.no_padding()
            self._fast_tokenizer.enable_truncation(self.max_tokens)

    def tokenize_passages(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]] | None:
        """Each text's (token ids, character offsets) as `encode` and `encode_with_spans` would
        make them, for ingest's reader processes to make ahead (None without a fast tokenizer)."""
        if self._fast_tokenizer is None:
            return None
        return [(np.asarray(e.ids, dtype=np.int32), np.asarray(e.offsets, dtype=np.int32).reshape(-1, 2))
                for e in self._fast_tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False,
               tokens: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
               groups: Sequence[object] | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if len(texts) <= SMALL_BATCH and self.device == "cpu":
            return self._encode_one_thread(texts, batch_size)
        if self._fast_tokenizer is None:  # a model without a fast tokenizer: sentence-transformers' own loop
            import torch

            with self._autocast():
                vecs = self._model.encode(list(texts), batch_size=self._batch(batch_size), convert_to_tensor=True,
                                          show_progress_bar=progress)
            vecs = torch.nn.functional.normalize(vecs.float(), dim=-1)  # unit length in fp32, whatever the precision
            return np.ascontiguousarray(vecs.cpu().numpy(), dtype=np.float32)
        return self._batches(texts, None, batch_size, progress, tokens, groups)[0]

    def _batch(self, batch_size: int) -> int:
        return max(batch_size, GPU_BATCH) if self.device == "cuda" else batch_size

    def _batches(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]] | None, batch_size: int,
                 progress: bool, tokens: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
                 groups: Sequence[object] | None = None) -> tuple[np.ndarray, list[np.ndarray] | None]:
        from kb.embed.pipeline import encode_batches

        # On a CPU, batches stay within a document (`groups`), so its vectors do not depend on
        # what else is ingested with it; a GPU needs full batches across documents for speed.
        groups = groups if self.device != "cuda" else None
        return encode_batches(self._model, self._fast_tokenizer, texts, self.dim, spans=spans, tokens=tokens,
                              groups=groups,
                              batch_size=self._batch(batch_size), device=self.device, type_ids=self._type_ids,
                              autocast=self._autocast, progress=progress)

    def _autocast(self):
        """bf16 autocast for a batch of passages on a CPU that has it natively; else nothing."""
        import contextlib

        import torch

        if self.precision == "bf16":
            return torch.autocast("cpu", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def encode_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                          batch_size: int = 32, progress: bool = False,
                          tokens: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
                          groups: Sequence[object] | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
        """Passage vectors (as `encode` gives them) and the vectors of each text's character spans,
        pooled from the same forward pass (kb.embed.spans, kb.embed.pipeline). `tokens`:
        `tokenize_passages`'s output for these texts, when made ahead; `groups`: each text's
        document, so that on a CPU batches stay within one."""
        if self._fast_tokenizer is None:
            raise EmbeddingError(f"embedding model {self.name!r} has no fast tokenizer, which sentence vectors "
                                 "need (token offsets); set KB_SENTENCE_VECTORS=0 or use another model")
        vectors, per_text = self._batches(texts, spans, batch_size, progress, tokens, groups)
        return vectors, per_text if per_text is not None else []

    def _encode_one_thread(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """A query or two: one thread avoids thread start-up and contention, which cost more than
        they save for a single short input (measured 23 ms vs 100-200 ms on a busy 2-core machine)."""
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            vecs = self._model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False)
        finally:
            torch.set_num_threads(before)
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.tokenize(text))


_WORD = re.compile(r"\w+", re.UNICODE)


class HashEmbedder:
    """A deterministic bag-of-words embedder for tests: fast, no model, similar texts
    (shared words) get similar vectors. Not for real use."""

    def __init__(self, dim: int = 64, max_tokens: int = 256) -> None:
        self.dim = dim
        self.max_tokens = max_tokens
        self.name = f"hash-bow-{dim}"

    def encode(self, texts: Sequence[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in _WORD.findall(t.lower()):
                j = int.from_bytes(hashlib.md5(w.encode()).digest()[:4], "little") % self.dim
                out[i, j] += 1.0
            n = np.linalg.norm(out[i])
            out[i] = out[i] / n if n > 0 else out[i]
            if n == 0:
                out[i, 0] = 1.0
        return out

    def count_tokens(self, text: str) -> int:
        # close to a word-piece count for plain English: words plus punctuation marks
        return len(re.findall(r"\w+|[^\w\s]", text))
